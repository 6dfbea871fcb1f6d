// Client code written against Payabli with its official Node SDK (@payabli/sdk-node), pointed at the mock.
//
// `node drive_node.js PLAN.json` (NODE_PATH: the SDK's node_modules, setup_sdks.py) prints a JSON list of
// steps on stdout, as drive_python.py does: per call, the answer the SDK returned (the SDK validates
// nothing at run time: the JSON's keys and their JavaScript types are recorded) or the error it threw
// (its class, status and body).  test_official_sdks.py judges them.
"use strict";

const fs = require("fs");
const { PayabliClient, Payabli, PayabliError } = require("@payabli/sdk-node");

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const headers = { "X-Mock-Session": plan.session };
const steps = [];

function client(apiKey) {
  return new PayabliClient({ baseUrl: plan.base_url, apiKey, headers });
}

// maxRetries 0: a forced 5xx is one answer to judge, not three with back-off sleeps.
function options(extra) {
  return { maxRetries: 0, ...(extra ? { headers: extra } : {}) };
}

function types(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

async function step(name, operation, call) {
  const record = { name, operation };
  try {
    const data = await call();
    record.outcome = "typed";
    record.data = data;
    record.types = data && typeof data === "object" ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, types(v)])) : {};
    steps.push(record);
    return data;
  } catch (error) {
    if (error instanceof PayabliError) {
      record.outcome = "error";
      record.error_class = error.constructor.name;
      record.status = error.statusCode;
      record.body = error.body;
      record.body_class = types(error.body);
    } else {
      record.outcome = "exception";
      record.error_class = error && error.constructor ? error.constructor.name : String(error);
      record.detail = String(error && error.stack).slice(0, 2000);
    }
    steps.push(record);
    return null;
  }
}

async function main() {
  const org = client(plan.org_token);
  const app = client(plan.app_token);
  const { email, psw, new_psw: newPsw } = plan.user;

  await step("add_user", "add_user", () => org.user.addUser({
    email, pwd: psw, name: "Sdk Node", phone: "3055550143", scope: [{ orgId: 123, orgType: 0 }],
    access: [{ roleLabel: "customers", roleValue: true }], usrStatus: 1, timeZone: -5, language: "en",
    mfaData: { mfa: false, mfaMode: 0 }, additionalData: { crm: "42", source: "sdk-node" },
  }, options()));
  const listed = await step("list_users_org", "list_users_org",
    () => org.query.listUsersOrg(123, { limitRecord: 0, sortBy: "desc(userId)" }, options()));
  const found = listed && (listed.Records || []).find((r) => r.Email === email);
  const userId = found ? found.userId : 0;
  await step("list_users_org_page", "list_users_org", () => org.query.listUsersOrg(123, { fromRecord: 0, limitRecord: 1 }, options()));
  await step("get_user", "get_user", () => org.user.getUser(userId, { entry: "pilgrim-planner", level: 0 }, options()));
  await step("edit_user", "edit_user", () => org.user.editUser(userId, { name: "Sdk N. Node", additionalData: { crm: "43" } }, options()));
  await step("get_user_edited", "get_user", () => org.user.getUser(userId, {}, options()));
  await step("list_users_paypoint", "list_users_paypoint", () => org.query.listUsersPaypoint("demo-paypoint", { limitRecord: 0 }, options()));

  const login = await step("auth_user", "auth_user", () => app.user.authUser("null", { email, psw }, options()));
  const refreshed = await step("auth_refresh_user", "auth_refresh_user",
    () => client(login ? login.responseData : "").user.authRefreshUser(options()));
  const session = client(refreshed ? refreshed.responseData : "");
  await step("change_psw_user", "change_psw_user", () => session.user.changePswUser({ psw: newPsw }, options()));
  await step("logout_user", "logout_user", () => session.user.logoutUser(options()));
  await step("logout_user_again", "logout_user", () => session.user.logoutUser(options()));
  await step("edit_mfa_user", "edit_mfa_user", () => org.user.editMfaUser(userId, { mfa: true, mfaMode: 0 }, options()));
  await step("auth_user_mfa", "auth_user",
    () => app.user.authUser("null", { email, psw: newPsw, entry: "pilgrim-planner", entryType: 0 }, options()));
  const resent = await step("resend_mfa_code", "resend_mfa_code", () => org.user.resendMfaCode("pilgrim-planner", 0, email, options()));
  const code = resent ? resent.mfaValidationCode : "";
  await step("validate_mfa_user", "validate_mfa_user",
    () => org.user.validateMfaUser({ mfaCode: plan.mfa_code, mfaValidationCode: code }, options()));
  await step("validate_mfa_user_again", "validate_mfa_user",
    () => org.user.validateMfaUser({ mfaCode: plan.mfa_code, mfaValidationCode: code }, options()));
  await step("auth_reset_user", "auth_reset_user", () => org.user.authResetUser({ email }, options()));
  await step("auth_user_wrong_password", "auth_user", () => app.user.authUser("null", { email, psw: "wrong" }, options()));
  await step("auth_user_organization_token", "auth_user", () => org.user.authUser("null", { email, psw: newPsw }, options()));
  await step("add_user_duplicate", "add_user", () => org.user.addUser({ email: email.toUpperCase(), scope: [{ orgId: 123 }] }, options()));
  await step("add_user_paypoint_scope", "add_user", () => org.user.addUser({ email: "pp@example.com", scope: [{ orgId: 255, orgType: 2 }] }, options()));
  await step("add_user_long_value", "add_user",
    () => org.user.addUser({ email: "long@example.com", scope: [{ orgId: 123 }], additionalData: { note: "x".repeat(101) } }, options()));
  await step("get_user_unknown", "get_user", () => org.user.getUser(999, {}, options()));
  await step("get_user_bad_token", "get_user", () => client("nope").user.getUser(1000000, {}, options()));
  await step("delete_user", "delete_user", () => org.user.deleteUser(userId, options()));

  // Every catalogued error of each operation, forced with X-Mock-Error.
  const calls = {
    add_user: (o) => org.user.addUser({ email: "forced@example.com", scope: [{ orgId: 123 }] }, o),
    get_user: (o) => org.user.getUser(1000000, {}, o),
    edit_user: (o) => org.user.editUser(1000000, { name: "Forced" }, o),
    delete_user: (o) => org.user.deleteUser(1000000, o),
    list_users_org: (o) => org.query.listUsersOrg(123, {}, o),
    list_users_paypoint: (o) => org.query.listUsersPaypoint("demo-paypoint", {}, o),
    auth_user: (o) => app.user.authUser("null", { email, psw: newPsw }, o),
    auth_refresh_user: (o) => org.user.authRefreshUser(o),
    auth_reset_user: (o) => org.user.authResetUser({ email }, o),
    change_psw_user: (o) => org.user.changePswUser({ psw: newPsw }, o),
    logout_user: (o) => org.user.logoutUser(o),
    edit_mfa_user: (o) => org.user.editMfaUser(1000000, { mfa: false }, o),
    resend_mfa_code: (o) => org.user.resendMfaCode("pilgrim-planner", 0, email, o),
    validate_mfa_user: (o) => org.user.validateMfaUser({ mfaCode: "123456", mfaValidationCode: "AA" }, o),
  };
  for (const [operation, keys] of Object.entries(plan.errors)) {
    for (const key of keys) {
      await step(`error:${operation}:${key}`, operation, () => calls[operation](options({ "X-Mock-Error": key })));
    }
  }
  process.stdout.write(JSON.stringify(steps));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack));
  process.exit(1);
});

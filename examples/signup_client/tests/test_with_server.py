"""The client tested against a real mockserver through the pytest plugin's ``mock_vendors`` fixture."""

from __future__ import annotations

import pytest

from examples.signup_client.client import ETelecomStaff, StaffExists, VaultsPayClient


@pytest.fixture
def vaultspay(mock_vendors):  # type: ignore[no-untyped-def]
    creds = mock_vendors.credentials("vaultspay")["login"]
    return VaultsPayClient(mock_vendors.base_url("vaultspay"), creds["clientId"], creds["clientSecret"])


def test_creates_a_user(vaultspay, mock_vendors) -> None:  # type: ignore[no-untyped-def]
    user = vaultspay.create_user("khalid", "raza", "khalid@example.pk")
    assert user["fullName"] == "khalid raza" and user["userType"] == "USER"
    mock_vendors.assert_called("vaultspay", "create_user", times=1, body={"status": "ACTIVE"})


@pytest.mark.mockserver_scenario("vaultspay-token-expired")
def test_retries_after_token_expired(vaultspay, mock_vendors) -> None:  # type: ignore[no-untyped-def]
    vaultspay.create_user("ayesha", "khan", "ayesha@example.pk")
    mock_vendors.assert_called("vaultspay", "create_user", times=1, status=401)
    mock_vendors.assert_called("vaultspay", "refresh", times=1)
    mock_vendors.assert_called("vaultspay", "create_user", times=1, status=200)


def test_refreshes_when_the_clock_passes_expiry(vaultspay, mock_vendors) -> None:  # type: ignore[no-untyped-def]
    vaultspay.create_user("a", "b", "a@example.pk")
    mock_vendors.clock.advance(minutes=16)  # access tokens live 15 minutes
    vaultspay.create_user("c", "d", "c@example.pk")
    mock_vendors.assert_called("vaultspay", "refresh", times=1)


def test_logs_in_again_when_the_session_is_gone(vaultspay, mock_vendors) -> None:  # type: ignore[no-untyped-def]
    vaultspay.create_user("a", "b", "a@example.pk")
    mock_vendors.clock.advance(hours=25)  # refresh tokens live 24 hours
    vaultspay.create_user("c", "d", "c@example.pk")
    mock_vendors.assert_called("vaultspay", "login", times=2)


def test_staff_already_in_the_shop(mock_vendors) -> None:  # type: ignore[no-untyped-def]
    key = mock_vendors.headers("etelecom")["Authorization"].split(" ", 1)[1]
    staff = ETelecomStaff(mock_vendors.base_url("etelecom"), key)
    assert len(staff.add("Nguyễn Văn An", "0912 000 111", "secret123")) == 19
    with pytest.raises(StaffExists):
        staff.add("Nguyễn Văn An", "+84 912 000 111", "secret123")

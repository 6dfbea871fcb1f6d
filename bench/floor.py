"""The "floor": the cheapest Starlette app we could serve, for comparison.

One Route answering a constant JSON body through JSONResponse. It does not
read the request body. Run under the same uvicorn settings as mockserver
(uvloop + httptools, no access log, one worker, no server/date header).

    python3 bench/floor.py --port 8999
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

PAYLOAD = {"id": 1, "status": "ok", "message": "floor"}


async def handler(request):
    return JSONResponse(PAYLOAD)


app = Starlette(routes=[Route("/", handler, methods=["GET", "POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--wire", action="store_true",
                        help="serve through mockserver.wire's protocol (like for like with mockserver's server)")
    args = parser.parse_args()
    http = "httptools"
    if args.wire:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, installed or not
        from mockserver.wire import http_protocol

        http = http_protocol()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http=http,
        workers=1,
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
    )


if __name__ == "__main__":
    main()

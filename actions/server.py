"""Start the action server: rasa-sdk's own app, served in one process when one worker is asked.

`python -m rasa_sdk` always serves through Sanic's worker manager: a main process, a resource
tracker and an inspector beside the one worker, each with the whole app imported (about 200 MB
for one worker's work). With one worker (the default), this serves the same app in a single
process (about 85 MB). `ACTION_SERVER_SANIC_WORKERS` above 1 keeps rasa-sdk's own way.

    python -m actions.server --port 5055
"""

from __future__ import annotations

import argparse
import logging
import os

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME, DEFAULT_SERVER_PORT
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.endpoint import run as run_with_workers
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from bot import redacted_logs

PACKAGE = "actions"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The few options this project uses; everything else keeps rasa-sdk's defaults."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    parser.add_argument("--loglevel", default=os.environ.get("LOG_LEVEL", "INFO"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Register the actions and serve them until stopped."""
    args = parse_args(argv)
    redacted_logs.install()  # a failed action's traceback never prints a message's words
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), None, args.loglevel, None
    )
    utils.update_sanic_log_level()
    executor = ActionExecutor()
    executor.register_package(PACKAGE)
    if utils.number_of_sanic_workers() > 1:
        os.environ["SANIC_HOST"] = args.host
        run_with_workers(executor, port=args.port)
        return
    app = create_app_for_serve(executor, cors_origins=None)
    app.prepare(host=args.host, port=args.port, single_process=True, motd=False)
    logging.getLogger(__name__).info("action_server_ready port=%s", args.port)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()

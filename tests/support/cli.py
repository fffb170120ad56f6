"""`bkm-bot` (`python -m bot`) as a person runs it: a fresh process, in a folder of its own.

One way to run the command line for every test: the caller's environment without any BKM_
variable (so a developer's own settings never leak in), plus what the test sets.
`run_cli` starts a real process (tests using it are marked `slow`: a cold interpreter imports
PTB and matplotlib, about a second of CPU each); `run_main` runs the same `bot.cli.main` in
this process, for tests about what a command writes or changes rather than about the process.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

TOKEN = "123456:TEST"  # what the loopback Bot API stand-in accepts
START_TIMEOUT = 20.0  # a cold interpreter imports PTB, migrates and sets the menus
EXIT_TIMEOUT = 10.0


def cli_env(**env: str) -> dict[str, str]:
    """This process's environment without BKM_ variables, plus `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BKM_")}
    return {**clean, **env}


def run_cli(
    args: Sequence[str],
    cwd: Path,
    *,
    stdin: str = "",
    timeout: float = 120,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in `cwd` to its end; `stdin` is piped in (EOF after it)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        cwd=cwd,
        env=cli_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# what bot.logs.setup_logging changes, put back after an in-process run
_LOGGERS = ("", "httpx", "httpcore", "telegram", "apscheduler", "aiosqlite")


@contextmanager
def _as_a_command(cwd: Path, stdin: str, env: dict[str, str]) -> Iterator[None]:
    """This process's environment, folder, standard input and logging as `python -m bot` in
    `cwd` would have them; everything put back afterwards."""
    saved_env, saved_cwd, saved_stdin = dict(os.environ), Path.cwd(), sys.stdin
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    saved_logging = [(logger.level, logger.handlers[:]) for logger in loggers]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdin = io.StringIO(stdin)
    try:
        yield
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for logger, (level, handlers) in zip(loggers, saved_logging, strict=True):
            logger.setLevel(level)
            logger.handlers[:] = handlers


def _text(captured: io.StringIO) -> str:
    """What a text-mode pipe would read: universal newlines, as subprocess(text=True)."""
    return captured.getvalue().replace("\r\n", "\n").replace("\r", "\n")


def run_main(
    args: Sequence[str], cwd: Path, *, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """`bot.cli.main(ARGS)` in this process, as `run_cli` would run it (same environment,
    folder, input; exit status, standard output and error returned the same way)."""
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _as_a_command(cwd, stdin, cli_env(**env)), redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as exc:  # argparse refusing the arguments
            status = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["bkm-bot", *args], status, _text(out), _text(err))


@dataclass
class BotProcess:
    """A running `python -m bot run`; its standard output and error go to `log`."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: signal.Signals) -> int:
        """Send a signal and wait for the exit code."""
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"bkm-bot did not exit {EXIT_TIMEOUT}s after {sig.name}:\n{self.stderr}")

    def end(self) -> None:
        """Kill it if it still runs, and reap it (fixtures' teardown)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=EXIT_TIMEOUT)


def start_run(args: Sequence[str], cwd: Path, log: Path, **env: str) -> BotProcess:
    """Start `python -m bot run ARGS` in `cwd` without waiting for it (unbuffered output)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *args],
            cwd=cwd,
            env=cli_env(PYTHONUNBUFFERED="1", **env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return BotProcess(process, log)


class Runs:
    """The `bkm-bot run` processes one test starts in `cwd` with `env`; `end()` reaps them."""

    def __init__(self, cwd: Path, **env: str) -> None:
        self.cwd = cwd
        self.env = env
        self.started: list[BotProcess] = []

    def start(self, *args: str, **env: str) -> BotProcess:
        log = self.cwd / f"bot-{len(self.started) + 1}.stderr"
        bot = start_run(args, self.cwd, log, **{**self.env, **env})
        self.started.append(bot)
        return bot

    def end(self) -> None:
        for bot in self.started:
            bot.end()

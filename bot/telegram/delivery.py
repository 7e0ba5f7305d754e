"""Advisors' messages to a person's Telegram chat, sent until Telegram takes them.

A Bot API call can fail: Telegram's 5xx, a 429 that says how long to wait, a timeout. A
message is therefore stored "pending" (bot/store/delivery.py) and sent in the background: a
few quick tries, then later tries with a growing pause from a sweep that the Telegram leader
(or the single process) runs every few seconds, so a gateway restart loses nothing. It is
"failed" for good on a refusal that no retry mends (the person blocked the bot, the chat is
gone) or after MAX_ATTEMPTS tries. Each change is published on the conversation's topic, so
the advisor console shows it live in every gateway process. A conversation's messages go in
the order written: a later one waits while an earlier one is pending.

Logs name conversation and message ids and error types only: never text or chat ids.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.gateway.push import Event, PushHub, conversation_topic
from bot.store import delivery as store
from bot.store.delivery import DeliveryState, Job
from bot.store.models import utcnow
from bot.telegram.bot import send_to_chat
from bot.vocabulary import Delivery, DeliveryProblem

logger = logging.getLogger(__name__)

QUICK_TRIES = 3  # right away, before the message waits for the sweep
QUICK_PAUSE = 0.5  # seconds before the second quick try, doubling
QUICK_WAIT_MAX = 5.0  # a 429's retry_after up to this is waited out among the quick tries
BACKOFF_BASE = 5.0  # seconds before the first later try, doubling
BACKOFF_MAX = 300.0
MAX_ATTEMPTS = 12  # about twenty minutes of tries in all
SWEEP_SECONDS = 5.0
LEASE_SECONDS = 120.0  # longer than the quick tries can take (three calls that time out)
STOP_GRACE = 2.0  # a send under way at shutdown may finish, rather than go twice later

EVENT = "delivery"

Mark = Callable[..., DeliveryState | None]


@dataclass(frozen=True)
class Failure:
    """What one failed call means: why, whether to give up now, and Telegram's wait."""

    problem: DeliveryProblem
    final: bool = False
    wait: float = 0.0


def classify(error: Exception) -> Failure:
    """A refusal no retry mends is final; a 429 carries its wait; anything else is retried
    (python-telegram-bot raises NetworkError for 5xx and TimedOut for timeouts)."""
    if isinstance(error, Forbidden):
        return Failure(DeliveryProblem.BLOCKED, final=True)
    if isinstance(error, BadRequest):  # a NetworkError subclass: checked before those
        if "chat not found" in error.message.lower():
            return Failure(DeliveryProblem.CHAT_NOT_FOUND, final=True)
        return Failure(DeliveryProblem.REFUSED, final=True)
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # the int/timedelta change of python-telegram-bot 22
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            after = error.retry_after
        seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
        return Failure(DeliveryProblem.RATE_LIMITED, wait=seconds)
    return Failure(DeliveryProblem.UNREACHABLE)


def backoff(attempts: int) -> float:
    """Seconds to wait after `attempts` tries, once the quick ones are spent."""
    return min(BACKOFF_BASE * 2 ** max(0, attempts - QUICK_TRIES), BACKOFF_MAX)


def delivery_event(conversation_id: str, state: DeliveryState) -> Event:
    """The conversation-topic event for a delivery change. It has no "id" key, so streams
    do not take it for a message (the web chat stream ignores it)."""
    return {
        "event": EVENT,
        "conversation_id": conversation_id,
        "message_id": state.message_id,
        "state": state.state,
        "attempts": state.attempts,
        "problem": state.problem,
    }


class TelegramDeliveries:
    """One per gateway process: the push hub's Telegram deliverer, and the sweep."""

    def __init__(self, bot: Bot, push: PushHub) -> None:
        self.bot, self.push = bot, push
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._held: set[int] = set()
        self._sweep: asyncio.Task[None] | None = None

    async def deliver(self, conversation_id: str, event: Event) -> None:
        """A stored message for the person: mark it pending, say so, send it in the
        background (the advisor's request does not wait for Telegram)."""
        state = await asyncio.to_thread(store.begin, int(event["id"]))
        if state is not None:
            self._publish(conversation_id, state)
        self.kick(conversation_id)

    def kick(self, conversation_id: str) -> None:
        """Send the conversation's pending messages now, unless this process already is."""
        run = self._runs.get(conversation_id)
        if run is not None and not run.done():
            self._again.add(conversation_id)  # the run looks once more before it ends
            return
        task = asyncio.create_task(self._run(conversation_id), name="telegram-delivery")
        self._runs[conversation_id] = task
        task.add_done_callback(lambda done: self._forget(conversation_id, done))

    def _forget(self, conversation_id: str, task: asyncio.Task[None]) -> None:
        if self._runs.get(conversation_id) is task:
            del self._runs[conversation_id]
        if not task.cancelled() and task.exception() is not None:
            # The message stays pending; the sweep tries it again once its lease runs out.
            error = type(task.exception()).__name__
            logger.error(
                "telegram_delivery_stopped conversation=%s error=%s", conversation_id, error
            )

    async def _run(self, conversation_id: str) -> None:
        """Send the conversation's pending messages in order; stop at one that must wait."""
        lease = timedelta(seconds=LEASE_SECONDS)
        while True:
            self._again.discard(conversation_id)
            job = await asyncio.to_thread(store.claim_next, conversation_id, lease)
            if job is None:
                if conversation_id in self._again:
                    continue
                return
            # Held until sent or rescheduled; a stop in between gives it back (`stop`).
            self._held.add(job.message_id)
            done = await self._send(job)
            self._held.discard(job.message_id)
            if not done:
                return

    async def _send(self, job: Job) -> bool:
        """Try the message (a few times if it is new); True once it is sent or given up,
        False when it waits for a later try."""
        if job.chat_id is None:
            await self._record(job, store.mark_failed, job.attempts, DeliveryProblem.NO_CHAT)
            return True
        tries = QUICK_TRIES if job.attempts == 0 else 1
        for n in range(tries):
            attempts = job.attempts + n + 1
            try:
                await send_to_chat(self.bot, job.chat_id, job.text, job.buttons)
            except Exception as error:  # noqa: BLE001 - every failure is judged by classify
                failure = classify(error)
                logger.warning(
                    "telegram_delivery_try_failed conversation=%s message=%s attempts=%d error=%s",
                    job.conversation_id,
                    job.message_id,
                    attempts,
                    type(error).__name__,
                )
                if failure.final or attempts >= MAX_ATTEMPTS:
                    await self._record(job, store.mark_failed, attempts, failure.problem)
                    return True
                pause = max(failure.wait, QUICK_PAUSE * 2**n)
                if n + 1 < tries and pause <= QUICK_WAIT_MAX:
                    # Still held under the lease; the console learns it is being retried.
                    held = utcnow() + timedelta(seconds=LEASE_SECONDS)
                    await self._record(job, store.mark_retry, attempts, failure.problem, held)
                    await asyncio.sleep(pause)
                    continue
                later = utcnow() + timedelta(seconds=max(failure.wait, backoff(attempts)))
                await self._record(job, store.mark_retry, attempts, failure.problem, later)
                return False
            await self._record(job, store.mark_sent, attempts)
            return True
        return False  # not reached: the last try returns either way

    async def _record(self, job: Job, mark: Mark, *args: object) -> None:
        """Store the outcome (in a worker thread) and tell the console."""
        state = await asyncio.to_thread(mark, job.message_id, *args)
        if state is None:
            return
        if state.state != Delivery.PENDING:
            logger.info(
                "telegram_delivery_%s conversation=%s message=%s attempts=%d",
                state.state,
                job.conversation_id,
                job.message_id,
                state.attempts,
            )
        self._publish(job.conversation_id, state)

    def _publish(self, conversation_id: str, state: DeliveryState) -> None:
        self.push.publish(
            conversation_topic(conversation_id), delivery_event(conversation_id, state)
        )

    # The sweep: in the leader (or the single process) only.

    def start_sweep(self) -> None:
        """Try due pending messages every SWEEP_SECONDS, from now until `stop_sweep`."""
        if self._sweep is None or self._sweep.done():
            self._sweep = asyncio.create_task(self._sweep_forever(), name="telegram-sweep")

    async def stop_sweep(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
            await asyncio.gather(self._sweep, return_exceptions=True)
            self._sweep = None

    async def _sweep_forever(self) -> None:
        while True:
            try:
                for conversation_id in await asyncio.to_thread(store.due_conversations):
                    self.kick(conversation_id)
            except Exception as error:  # noqa: BLE001 - a database hiccup must not end the sweep
                logger.warning("telegram_sweep_failed error=%s", type(error).__name__)
            await asyncio.sleep(SWEEP_SECONDS)

    async def stop(self) -> None:
        """Stop sweeping; let sends under way finish for a moment, then stop them and give
        their messages back, due at once, for whichever process runs the sweep next."""
        await self.stop_sweep()
        runs = list(self._runs.values())
        if runs:
            await asyncio.wait(runs, timeout=STOP_GRACE)
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
        held, self._held = sorted(self._held), set()
        if held:
            await asyncio.to_thread(store.release, held)

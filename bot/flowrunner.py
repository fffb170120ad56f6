"""One way to write a conversation: a flow is declared as its steps, and run by this module.

A step (`Ask`) is its question, the answers it accepts, and its answer to input it cannot
use. An accepted answer is handed to the step's `take` function as a `Turn`: the draft so
far (`turn.data`, to update), the typed text or the press's value (`turn.value`), the update
and the context. `take` returns what happens next:

- a step (a member of the flow's IntEnum): the draft and that step are committed in one
  transaction, then its question is asked (`bot.flows.save_step`);
- None: the flow stays at this step (`take` has said why; the draft is unchanged);
- `END`: `take` finished the flow itself (it ended the draft in its own transaction).

Raising `rules.validate.Invalid` says the reason and stays: what was answered before is kept.

Every flow gets, from `Flow`:
- one persistent PTB ConversationHandler (`Flow.handler()`), named after the flow, its
  states the IntEnum's values (a step saved in the database by earlier code resumes);
- /batal and /cancel (`Cancel`), and a Cancel button when given its pattern;
- the redelivery guard (an update delivered again after a crash is dropped) and the idle
  timeout (`Lapse`: 30 minutes from the draft's stored `updated_at`);
- the role check at every step: a board flow (`board=True`, or `board_step` for a flow that
  residents use too) re-reads the person's role from the database at each update
  (`bot.access.BoardConversation`);
- Back (`Back`: where each step's Back press leads) and changing one answer from the summary
  (`edit`: a take for the summary's "Change <field>" buttons; `turn.then(step)`
  returns to the summary after a changed answer);
- each step's own answer to input it cannot use (`unusable`: say why, optionally ask the
  step's question again; the draft is kept).

A button press is accepted by kind, never by a regular expression: a typed button kind of
`bot.buttons` (`press(Kind, take)`: its value is the data after the kind's prefix; the take
reads the typed fields with `Kind.pressed(turn.update)`), or any object with `pattern` and
`value(data)` (`Pressable`). `Cancel` and `Back` take a kind (or its `matches`).

Example::

    class Step(IntEnum):
        RW = 1
        CONFIRM = 2

    async def ask_rw(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
        await reply(update, context, context.tr._("Which RW?"))

    async def take_rw(turn: Turn) -> Step:
        data["rw"] = parse_rw(turn.value)  # raises Invalid: its reason is said, step stays
        return turn.then(Step.CONFIRM)

    async def send(turn: Turn) -> int:
        ...  # store, ending the draft in the same transaction; tell the person
        return END

    FLOW = Flow(
        "example",
        [
            Ask(Step.RW, ask_rw, [text(take_rw)]),
            Ask(Step.CONFIRM, ask_confirm, [press(GO, send)],  # GO = Static("ex:go")
                unusable=[unusable(TEXT, N_("Please choose one of the buttons."))]),
        ],
        entry=[CommandHandler("contoh", begin)],  # begin: `return await FLOW.go(...)`
        cancel=Cancel(N_("Cancelled. Nothing was sent."), pattern=CANCEL),
        board=True,
    )
    # in the feature: handlers=lambda: [FLOW.handler(), ...]
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Callable, Collection, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Generic, Protocol, TypeVar

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.ext.filters import BaseFilter

from bot import buttons, flows
from bot.access import BoardConversation, StepTest, answer, reply, stale_button
from bot.context import BKMContext
from bot.i18n import N_, Translator
from rules.validate import Invalid

S = TypeVar("S", bound=IntEnum)

END = ConversationHandler.END
TEXT = filters.TEXT & ~filters.COMMAND
CANCEL_COMMANDS = ("batal", "cancel")
# The draft key set while one answer is being changed from the summary.
EDITING = "editing"

Handler = BaseHandler[Update, BKMContext, Any]
Callback = Callable[[Update, BKMContext], Coroutine[Any, Any, Any]]
Question = Callable[[Update, BKMContext, dict[str, Any]], Coroutine[Any, Any, None]]
# What PTB matches a press's callback data with: a test (a button kind's `matches`)
PressPattern = Callable[[object], bool]


class Pressable(Protocol):
    """A kind of button press: the pattern PTB matches, and the press's value (None: a
    press of another kind, or forged — answered as a stale button)."""

    @property
    def pattern(self) -> PressPattern: ...

    def value(self, data: str) -> str | None: ...


@dataclass
class Turn(Generic[S]):
    """One accepted answer at a step, handed to the step's `take`."""

    flow: Flow[S]
    step: S
    update: Update
    context: BKMContext
    data: dict[str, Any]  # the draft so far; what `take` puts here is saved with the next step
    value: str  # the typed text (or a caption), or the press's value

    @property
    def tr(self) -> Translator:
        return self.context.tr

    @property
    def message(self) -> Message:
        assert self.update.message is not None
        return self.update.message

    @property
    def editing(self) -> bool:
        return bool(self.data.get(EDITING))

    def then(self, step: S) -> S:
        """`step`, or the summary while one answer is being changed from it."""
        if self.editing and self.flow.summary is not None:
            return self.flow.summary
        return step


@dataclass(frozen=True)
class Typed:
    """Presses of a typed button kind (bot.buttons): only data the kind decodes; the value
    is the data after its prefix ("" for a Static)."""

    kind: buttons.Kind

    @property
    def pattern(self) -> PressPattern:
        return self.kind.matches

    def value(self, data: str) -> str | None:
        if not self.kind.matches(data):
            return None
        for prefix in (self.kind.prefix, *self.kind.legacy):
            if data == prefix or data.startswith(prefix + buttons.SEP):
                return data[len(prefix) + 1 :]
        return None


Take = Callable[[Turn[Any]], Coroutine[Any, Any, "IntEnum | int | None"]]


@dataclass(frozen=True)
class Answer:
    """An answer a step accepts: a message passing `filter`, or a press of `kind`."""

    take: Take
    filter: BaseFilter | None = None
    kind: Pressable | None = None
    choices: Collection[str] | None = None  # a press's valid values (others are stale)


def text(take: Take, filter: BaseFilter = TEXT) -> Answer:
    """Typed text (not a command)."""
    return Answer(take, filter=filter)


def message(filter: BaseFilter, take: Take) -> Answer:
    """Any message passing `filter`: filters.PHOTO, filters.Document.ALL, filters.LOCATION…
    `turn.value` is its text or caption; the rest is in `turn.message`."""
    return Answer(take, filter=filter)


def press(
    kind: Pressable | buttons.Kind | type[buttons.Button],
    take: Take,
    choices: Collection[str] | None = None,
) -> Answer:
    """A press of a button of `kind` (a typed button kind of bot.buttons, or a Pressable)."""
    return Answer(take, kind=_pressable(kind), choices=choices)


def _is_kind(kind: object) -> bool:
    return isinstance(kind, buttons.Static) or (
        isinstance(kind, type) and issubclass(kind, buttons.Button)
    )


def _match(kind: PressPattern | buttons.Kind | type[buttons.Button]) -> PressPattern:
    """What PTB matches for a Cancel or Back pattern: a test, or a kind's test."""
    if _is_kind(kind):
        return typing.cast(buttons.Kind, kind).matches
    return typing.cast(PressPattern, kind)


def _pressable(kind: Pressable | buttons.Kind | type[buttons.Button]) -> Pressable:
    if _is_kind(kind):
        return Typed(typing.cast(buttons.Kind, kind))
    return typing.cast(Pressable, kind)


@dataclass(frozen=True)
class Unusable:
    """A step's answer to input it cannot use: say `text` (a msgid, N_), and with
    `ask_again` send the step's question again (the draft is kept). Or `callback`, a
    handler of its own (it returns None to stay)."""

    filter: BaseFilter
    text: str | None = None
    ask_again: bool = False
    callback: Callback | None = None


def unusable(
    filter: BaseFilter,
    text: str | None = None,
    *,
    ask_again: bool = False,
    callback: Callback | None = None,
) -> Unusable:
    return Unusable(filter, text, ask_again, callback)


@dataclass(frozen=True)
class Ask(Generic[S]):
    """A step: its state, its question, what it accepts, what it says to anything else."""

    state: S
    question: Question
    answers: Sequence[Answer] = ()
    unusable: Sequence[Unusable] = ()


@dataclass(frozen=True)
class Cancel:
    """/batal (and /cancel), and a press of `pattern` (a button kind): end the flow
    and say `text`."""

    text: str
    pattern: PressPattern | buttons.Kind | type[buttons.Button] | None = None
    commands: Sequence[str] = CANCEL_COMMANDS
    keep: bool = False  # keep the draft (offered back on the next entry)


@dataclass(frozen=True)
class Lapse:
    """What an answer after the idle timeout (or with no draft left) meets: `text`, the
    flow ended, the draft kept to offer back or discarded."""

    text: str = N_(
        "You were away for a while, so I paused. Your answers are kept: "
        "send the command again to continue."
    )
    keep: bool = True


@dataclass(frozen=True)
class Back(Generic[S]):
    """The Back button: a press of `pattern` at a step in `to` goes to `to[step]` (or to the
    summary while one answer is being changed from it)."""

    pattern: PressPattern | buttons.Kind | type[buttons.Button]
    to: Mapping[S, S] = field(default_factory=dict)


class Flow(Generic[S]):
    """A conversation declared as its steps. See the module docstring."""

    def __init__(
        self,
        name: str,
        steps: Sequence[Ask[S]],
        *,
        entry: Sequence[Handler],
        cancel: Cancel | None = None,
        fallbacks: Sequence[Handler] = (),
        board: bool = False,
        board_step: StepTest | None = None,
        lapse: Lapse | None = None,
        back: Back[S] | None = None,
        summary: S | None = None,
    ) -> None:
        self.name = name
        self.steps = {step.state: step for step in steps}
        self.entry = list(entry)
        self.cancel = cancel
        self.fallbacks = list(fallbacks)
        self.board = board
        self.board_step = board_step
        self.lapse = lapse or Lapse()
        self.back = back
        self.summary = summary

    # ---- for entry points and takes --------------------------------------------------------
    async def go(self, update: Update, context: BKMContext, step: S, data: dict[str, Any]) -> S:
        """Commit the draft and `step` (one transaction), then ask the step's question."""
        await answer(update, context)
        await flows.save_step(update, context, self.name, step, data)
        await self.steps[step].question(update, context, data)
        return step

    async def resume(self, update: Update, context: BKMContext) -> S | None:
        """Continue the person's draft at the step it was saved at; None when there is no
        draft (or its step is not one of this flow's)."""
        draft = await flows.load(context, self.name)
        if draft is None:
            return None
        step = next((s for s in self.steps if s.name == draft.step), None)
        if step is None:
            return None
        return await self.go(update, context, step, dict(draft.data))

    async def current(self, update: Update, context: BKMContext) -> dict[str, Any] | None:
        """The draft so far, or None after saying the flow lapsed (`Lapse`). An update
        delivered again after a crash stops here (bot.flows.load)."""
        draft = await flows.load(context, self.name)
        if draft is not None and not flows.is_idle(context, draft):
            return dict(draft.data)
        await flows.end_flow(update, context, self.name, keep=self.lapse.keep)
        await answer(update, context)
        await reply(update, context, context.tr._(self.lapse.text))
        return None

    async def end(self, update: Update, context: BKMContext, *, keep: bool = False) -> int:
        """Leave the flow (state gone; draft kept or discarded); returns END."""
        return await flows.end_flow(update, context, self.name, keep=keep)

    # ---- the PTB handler ---------------------------------------------------------------------
    def handler(self) -> ConversationHandler[BKMContext]:
        """The persistent ConversationHandler of this flow (build once per Application)."""
        states: dict[object, list[Handler]] = {}
        for step in self.steps.values():
            handlers = [self._answer_handler(step, answer_) for answer_ in step.answers]
            if self.back is not None and step.state in self.back.to:
                handlers.append(self._back_handler(step, self.back))
            handlers += [self._unusable_handler(step, u) for u in step.unusable]
            states[step.state] = handlers
        fallbacks: list[Handler] = []
        if self.cancel is not None:
            fallbacks.append(CommandHandler(list(self.cancel.commands), self._cancel))
            if self.cancel.pattern is not None:
                pattern = _match(self.cancel.pattern)
                fallbacks.append(CallbackQueryHandler(self._cancel, pattern=pattern))
        fallbacks += [copy.copy(handler) for handler in self.fallbacks]
        options: dict[str, Any] = {
            "name": self.name,
            "persistent": True,
            # copies: a board flow wraps each handler's callback with its role check, once
            # per Application built (tests build many)
            "entry_points": [copy.copy(handler) for handler in self.entry],
            "states": states,
            "fallbacks": fallbacks,
            "allow_reentry": True,
        }
        if self.board or self.board_step is not None:
            return BoardConversation(board_step=self.board_step, **options)
        return ConversationHandler(**options)

    def _answer_handler(self, step: Ask[S], accepted: Answer) -> Handler:
        async def handle(update: Update, context: BKMContext) -> int | None:
            data = await self.current(update, context)
            if data is None:
                return END
            if accepted.kind is not None:
                query = update.callback_query
                value = accepted.kind.value(query.data or "") if query is not None else None
                if value is None or (
                    accepted.choices is not None and value not in accepted.choices
                ):
                    await stale_button(update, context)
                    return None
            else:
                sent = update.message
                value = "" if sent is None else (sent.text or sent.caption or "")
            turn = Turn(self, step.state, update, context, data, value)
            try:
                result = await accepted.take(turn)
            except Invalid as exc:
                await reply(update, context, exc.text(context.tr))
                return None
            return await self._after(turn, result)

        if accepted.kind is not None:
            return CallbackQueryHandler(handle, pattern=accepted.kind.pattern)
        assert accepted.filter is not None
        return MessageHandler(accepted.filter, handle)

    async def _after(self, turn: Turn[S], result: IntEnum | int | None) -> int | None:
        if result is None:
            return None
        if isinstance(result, IntEnum):
            return await self.go(turn.update, turn.context, result, turn.data)  # type: ignore[arg-type]
        return result

    def _unusable_handler(self, step: Ask[S], spec: Unusable) -> Handler:
        if spec.callback is not None:
            return MessageHandler(spec.filter, spec.callback)

        async def handle(update: Update, context: BKMContext) -> int | None:
            data: dict[str, Any] = {}
            if spec.ask_again:
                draft = await flows.load(context, self.name)
                if draft is None:
                    return END
                data = dict(draft.data)
            if spec.text is not None:
                await reply(update, context, context.tr._(spec.text))
            if spec.ask_again:
                await step.question(update, context, data)
            return None

        return MessageHandler(spec.filter, handle)

    def _back_handler(self, step: Ask[S], back: Back[S]) -> Handler:
        async def handle(update: Update, context: BKMContext) -> int | None:
            data = await self.current(update, context)
            if data is None:
                return END
            if data.get(EDITING) and self.summary is not None:
                return await self.go(update, context, self.summary, data)
            return await self.go(update, context, back.to[step.state], data)

        return CallbackQueryHandler(handle, pattern=_match(back.pattern))

    async def _cancel(self, update: Update, context: BKMContext) -> int:
        assert self.cancel is not None
        await answer(update, context)
        await flows.end_flow(update, context, self.name, keep=self.cancel.keep)
        await reply(update, context, context.tr._(self.cancel.text))
        return END


def edit(
    fields: Mapping[str, IntEnum], prepare: Callable[[str, dict[str, Any]], None] | None = None
) -> Take:
    """A take for the summary's "Change" buttons: the press's value names a field in
    `fields`; its step is asked again, and after it the flow returns to the summary
    (`turn.then`, the flow's `summary`). `prepare(field, data)` may reset the field first.
    A field whose step is the summary itself goes back to it unchanged."""

    async def take(turn: Turn[Any]) -> IntEnum | None:
        step = fields.get(turn.value)
        if step is None:
            await stale_button(turn.update, turn.context)
            return None
        if step != turn.flow.summary:
            turn.data[EDITING] = True
            if prepare is not None:
                prepare(turn.value, turn.data)
        return step

    return take

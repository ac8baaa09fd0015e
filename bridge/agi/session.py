"""One FastAGI call: the environment Asterisk sent and typed commands on the channel."""

from __future__ import annotations

import asyncio
import logging

from bridge.agi.errors import (
    AgiCommandError,
    AgiConnectionClosed,
    AgiProtocolError,
    ChannelHungUp,
    SoundMissing,
)
from bridge.agi.wire import (
    HANGUP_NOTICE,
    AgiReply,
    encode,
    env_args,
    parse_reply,
    parse_result,
    read_line,
)

log = logging.getLogger(__name__)

MAX_USAGE_LINES = 100
RECORD_FAILED = ("writefile", "randomerror")  # RECORD FILE's -1 when it could not record
AST_STATE_UP = 6  # CHANNEL STATUS of an answered channel (include/asterisk/channelstate.h)


class AgiSession:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        env: dict[str, str],
        *,
        command_timeout_s: float = 120.0,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.env = env
        self.args = env_args(env)
        self.hung_up = False  # Asterisk said HANGUP: the caller is gone, variables still work
        self._timeout = command_timeout_s
        self._lock = asyncio.Lock()

    @property
    def script(self) -> str:
        return self.env.get("agi_network_script", "")

    @property
    def caller_id(self) -> str:
        return self.env.get("agi_callerid", "")

    @property
    def channel(self) -> str:
        return self.env.get("agi_channel", "")

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    # -- the wire --------------------------------------------------------------------------

    async def command(
        self, command: str, *arguments: str, timeout_s: float | None = None
    ) -> AgiReply:
        """Send one command and read its reply. 511 raises ChannelHungUp, and so does a
        connection that closes or resets (AgiConnectionClosed); 510/520 raise
        AgiCommandError; a HANGUP notice before the reply is noted and skipped."""
        line = encode(command, *arguments)  # refuses CR/LF/NUL before anything is written
        async with self._lock:  # one command at a time: replies carry no correlation id
            try:
                self._writer.write(line)
                await self._writer.drain()
                return await asyncio.wait_for(self._reply(), timeout_s or self._timeout)
            except ConnectionError as exc:  # reset or broken pipe: the caller dropped
                self.hung_up = True
                raise AgiConnectionClosed(type(exc).__name__) from exc
            except AgiConnectionClosed:  # end of stream
                self.hung_up = True
                raise

    async def _reply(self) -> AgiReply:
        while True:
            line = await read_line(self._reader)
            if line == HANGUP_NOTICE:
                self.hung_up = True
                continue
            code, more, text = parse_reply(line)
            if more:  # 520- usage block: read to its last line
                for _ in range(MAX_USAGE_LINES):
                    if (await read_line(self._reader)).startswith(f"{code} "):
                        break
                else:
                    raise AgiProtocolError("unterminated multi-line reply")
            if code == 200:
                return parse_result(code, text, line)
            if code == 511:
                self.hung_up = True
                raise ChannelHungUp(text)
            raise AgiCommandError(code, text)

    # -- typed commands --------------------------------------------------------------------

    async def answer(self) -> None:
        await self._live(await self.command("ANSWER"))

    async def hangup(self) -> None:
        await self.command("HANGUP")

    async def stream_file(self, name: str, escape_digits: str = "") -> str:
        """Play a sound file; returns the key that interrupted it, or ''. SoundMissing when
        Asterisk cannot open the file, ChannelHungUp when the caller is gone."""
        reply = await self.command("STREAM FILE", name, escape_digits)
        return _key(await self._played(reply, name))

    async def say_digits(self, digits: str, escape_digits: str = "") -> str:
        reply = await self.command("SAY DIGITS", digits, escape_digits)
        return _key(await self._played(reply, "digits/"))

    async def say_alpha(self, text: str, escape_digits: str = "") -> str:
        reply = await self.command("SAY ALPHA", text, escape_digits)
        return _key(await self._played(reply, "letters/"))

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        """Play ``prompt`` (may be '': no sound at all) and read up to ``max_digits`` keys
        ('#' ends). '' on timeout."""
        reply = await self.command(
            "GET DATA", prompt, str(timeout_ms), str(max_digits), timeout_s=timeout_ms / 1000 + 60
        )
        await self._played(reply, prompt)
        return reply.result

    async def channel_status(self) -> int:
        """CHANNEL STATUS: the channel's state (6 = up). res_agi registers it as not allowed
        on a dead channel, so after a hang-up Asterisk answers 511 (raised as ChannelHungUp),
        preceded by the HANGUP notice (tests/fixtures/asterisk-captures/INDEX)."""
        reply = await self.command("CHANNEL STATUS")
        return reply.number if reply.number is not None else -1

    async def alive(self) -> bool:
        """Whether the caller is still there: one cheap CHANNEL STATUS."""
        if self.hung_up:
            return False
        try:
            status = await self.channel_status()
        except ChannelHungUp:
            return False
        return not self.hung_up and status >= 0

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command("GET VARIABLE", name)
        return reply.data if reply.result == "1" else None

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", name, value)

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.command("VERBOSE", message, str(level))

    async def exec(self, application: str, *arguments: str) -> AgiReply:
        return await self.command("EXEC", application, ",".join(arguments))

    async def record_file(
        self,
        path: str,
        fmt: str,
        escape_digits: str,
        timeout_ms: int,
        *,
        beep: bool = True,
        silence_s: int | None = None,
    ) -> AgiReply:
        """Record ``path``.``fmt`` until an escape digit, the timeout or some silence."""
        extra = ["BEEP"] if beep else []
        if silence_s is not None:
            extra.append(f"s={silence_s}")
        reply = await self.command(
            "RECORD FILE",
            path,
            fmt,
            escape_digits,
            str(timeout_ms),
            *extra,
            timeout_s=timeout_ms / 1000 + 60,
        )
        # res_agi's handle_recordfile answers -1 with "(writefile)" when it cannot create the
        # file, "(randomerror)" when the beep did not play (a missing beep sound, or a hang-up
        # during the beep; a key during the beep gives "(randomerror)" with the key's code),
        # "(hangup)" or "(waitfor)" when the channel went away while recording.
        failed = reply.number is not None and reply.number < 0 and reply.data != "writefile"
        if failed and (reply.data == "hangup" or not await self.alive()):
            self.hung_up = True
            raise ChannelHungUp(reply.raw)
        return reply

    async def _live(self, reply: AgiReply) -> AgiReply:
        # -1 from a channel application means the channel went away while it ran
        if reply.number is not None and reply.number < 0:
            self.hung_up = True
            raise ChannelHungUp(reply.raw)
        return reply

    async def _played(self, reply: AgiReply, sound: str) -> AgiReply:
        """-1 from a command that plays a file is a hang-up *or* a file Asterisk could not
        open: res_agi.c handle_streamfile answers "200 result=-1 endpos=0" when ast_openstream
        fails, as it does when the caller hangs up mid-prompt (and GET DATA answers
        "200 result=-1" when its prompt is missing). A hang-up is followed by the HANGUP notice
        and 511 on channel commands, so one CHANNEL STATUS tells them apart."""
        if reply.number is None or reply.number >= 0:
            return reply
        if await self.alive():
            raise SoundMissing(sound)
        self.hung_up = True
        raise ChannelHungUp(reply.raw)


def _key(reply: AgiReply) -> str:
    number = reply.number
    return chr(number) if number and number > 0 else ""

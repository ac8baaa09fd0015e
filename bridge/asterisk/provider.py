"""The Asterisk route: FastAGI serves the access number, the connect leg of click-to-call and
the outcome handler (bridge.access); AMI places click-to-call and code calls (bridge.ami).
FastAGI and AMI stay in their own packages; this module only builds and wires them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter

from bridge import contract
from bridge.access import AccessNumber, ConnectLeg, Outcome, SpokenNames
from bridge.agi.server import FastAgiServer, Handler
from bridge.ami.client import AmiClient
from bridge.ami.codes import AmiCodeConfig, AmiCodeSender
from bridge.ami.originator import AmiOriginator, AmiOriginatorConfig
from bridge.asterisk.health import check_ami, check_sounds
from bridge.codes import CodeSender
from bridge.metrics import AgiMetrics, AmiMetrics, SpeechMetrics, TimedRecognizer
from bridge.originator import Originator
from bridge.prompts import NameVoice
from bridge.provider import Finding, Listener, Parts, Port
from bridge.speech.recognizer import default_recognizer


@dataclass(frozen=True, slots=True)
class AsteriskSection:
    """The settings this route reads (PHONEBRIDGE_AGI_*, PHONEBRIDGE_AMI_* and the sounds)."""

    ami: bool  # place calls over AMI; False: FastAGI only (the access number answers)
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    agi_allowed_peers: tuple[str, ...] = ()
    agi_max_concurrent: int = 200
    agi_call_deadline_s: float = 600.0
    sounds_folder: str = "phonebridge"
    asterisk_sounds_dir: str = ""  # as this host sees it; empty: the prompts are not checked
    present_number: bool = False  # callees see the caller's verified number (trunk permitting)
    name_sounds_dir: str = ""
    speech_recordings_dir: str = ""
    speech_workers: int = 2
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "phonebridge"
    ami_secret: str = ""
    ami_channel_template: str = "PJSIP/{number}@phonebridge-trunk"
    ami_caller_id: str = '"PhoneBridge" <>'


class AsteriskProvider:
    name = "asterisk"

    def __init__(self, section: AsteriskSection) -> None:
        self.section = section
        self.spoken: SpokenNames | None = None  # speech recognition workers, once started
        self.ami: AmiClient | None = None
        self._originator: AmiOriginator | None = None

    def ports(self) -> Sequence[Port]:
        s = self.section
        return [Port("FastAGI", s.agi_host, s.agi_port, "PHONEBRIDGE_AGI_PORT")]

    def listeners(self, parts: Parts) -> Sequence[Listener]:
        return [self.fastagi(parts)]

    def fastagi(self, parts: Parts) -> FastAgiServer:
        s, pb = self.section, parts.phonebook
        voice = NameVoice(Path(s.name_sounds_dir) if s.name_sounds_dir else None)
        pb.accounts.on_name_change(voice.prepare)  # names are spoken when set
        handlers: dict[str, Handler] = {
            contract.ACCESS_SCRIPT: AccessNumber(
                pb,
                voice,
                s.sounds_folder,
                self.spoken_names(parts),
                present_number=s.present_number,
                trust=parts.trust,
            ),
            contract.CONNECT_SCRIPT: ConnectLeg(
                pb, voice, s.sounds_folder, present_number=s.present_number
            ),
            contract.OUTCOME_SCRIPT: Outcome(pb),
        }
        return FastAgiServer(
            handlers,
            host=s.agi_host,
            port=s.agi_port,
            allowed_peers=s.agi_allowed_peers,
            max_concurrent=s.agi_max_concurrent,
            call_deadline_s=s.agi_call_deadline_s,
            metrics=AgiMetrics(parts.registry, scripts=handlers),
        )

    def spoken_names(self, parts: Parts) -> SpokenNames | None:
        """Spoken names when a recordings folder is set and the speech extra is installed."""
        folder = self.section.speech_recordings_dir
        if not folder:
            return None
        # logs once why speech is off when the engine is missing
        recognizer = default_recognizer(workers=self.section.speech_workers)
        if recognizer is None:
            return None
        timed = TimedRecognizer(recognizer, SpeechMetrics(parts.registry))
        self.spoken = SpokenNames(timed, Path(folder))
        return self.spoken

    def routes(self, parts: Parts) -> Sequence[APIRouter]:
        return ()  # Asterisk talks FastAGI and AMI, not HTTP

    def originator(self, parts: Parts) -> Originator | None:
        return self._ami(parts)[1] if self.section.ami else None

    def code_sender(self, parts: Parts) -> CodeSender | None:
        if not self.section.ami:
            return None
        s = self.section
        client, _ = self._ami(parts)
        return AmiCodeSender(
            client, AmiCodeConfig(s.ami_channel_template, caller_id=s.ami_caller_id)
        )

    def _ami(self, parts: Parts) -> tuple[AmiClient, AmiOriginator]:
        """The AMI client (started by ``start``) and click-to-call over it, made once."""
        if self.ami is None or self._originator is None:
            s = self.section
            self.ami = AmiClient(
                s.ami_host,
                s.ami_port,
                s.ami_username,
                s.ami_secret,
                metrics=AmiMetrics(parts.registry),
            )
            config = AmiOriginatorConfig(
                channel_template=s.ami_channel_template, caller_id=s.ami_caller_id
            )
            self._originator = AmiOriginator(self.ami, parts.phonebook.calls, config)
        return self.ami, self._originator

    def start(self, parts: Parts) -> None:
        if self.section.ami:  # connects in the background; click-to-call answers 503 until up
            self._ami(parts)[0].start()

    async def close(self, grace_s: float) -> None:
        """AMI first (its last events and the calls it follows are written to the database),
        then the speech workers."""
        if self.ami is not None:
            await self.ami.close(events_grace_s=grace_s)
        if self._originator is not None:
            await self._originator.settle(grace_s)
        if self.spoken is not None:
            self.spoken.close()

    async def health(self) -> Sequence[Finding]:
        s = self.section
        findings: list[Finding] = []
        if s.asterisk_sounds_dir:
            findings += check_sounds(Path(s.asterisk_sounds_dir), s.sounds_folder)
        if s.ami:
            findings.append(await check_ami(s.ami_host, s.ami_port, s.ami_username, s.ami_secret))
        return findings

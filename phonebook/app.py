"""The phonebook's use cases, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.accounts import Accounts
from phonebook.addressbook import AddressBook
from phonebook.apppasswords import AppPasswords
from phonebook.callers import Callers
from phonebook.calls import CallLimits, Calls
from phonebook.cards import Cards
from phonebook.circles import Circles
from phonebook.config import PhonebookConfig
from phonebook.deliveries import Deliveries
from phonebook.dialcodes import DialCodes
from phonebook.directory import Directory
from phonebook.feed import Feed
from phonebook.language import Languages
from phonebook.owncard import OwnCard
from phonebook.pins import Pins
from phonebook.push import PushHub
from phonebook.ratelimit import Guard, Limiter, LimitRules, Window
from phonebook.store.changes import make_sessionmaker
from phonebook.store.limiter import SqlLimiter
from phonebook.verification import Verification


@dataclass(frozen=True, slots=True)
class Phonebook:
    accounts: Accounts
    cards: Cards
    circles: Circles
    directory: Directory
    calls: Calls
    deliveries: Deliveries
    languages: Languages
    callers: Callers
    verification: Verification
    pins: Pins
    guard: Guard
    own_card: OwnCard  # one's own card as a vCard
    dial_codes: DialCodes  # dial-through codes for hidden callable phones
    address_book: AddressBook  # the viewer's contacts as vCards (CardDAV)
    app_passwords: AppPasswords  # per-device passwords and HTTP Basic sign-in
    feed: Feed  # every committed change, in this process (phonebook.feed)
    push: PushHub  # the open push streams of this process

    @classmethod
    def build(
        cls,
        engine: AsyncEngine,
        config: PhonebookConfig,
        limits: CallLimits | None = None,
        *,
        limiter: Limiter | None = None,
        rules: LimitRules | None = None,
    ) -> Phonebook:
        """``limiter`` defaults to the database's own table (shared by every process on it);
        ``rules`` to LimitRules() with the lookups per account and number from ``config``."""
        feed = Feed()
        sessions = make_sessionmaker(engine, feed)
        per_minute = Window(config.lookups_per_minute, 60)
        rules = rules or LimitRules(lookup_account=per_minute, lookup_number=per_minute)
        guard = Guard(limiter or SqlLimiter(sessions), rules)
        directory = Directory(sessions, config, guard)
        accounts = Accounts(sessions, config, guard)
        dial_codes = DialCodes(sessions, guard)
        return cls(
            accounts=accounts,
            cards=Cards(sessions, config),
            circles=Circles(sessions, config),
            directory=directory,
            calls=Calls(sessions, directory, limits or CallLimits()),
            deliveries=Deliveries(sessions),
            languages=Languages(sessions),
            callers=Callers(sessions, config, guard, accounts.named),
            verification=Verification(sessions, config, guard),
            pins=Pins(sessions, guard),
            guard=guard,
            own_card=OwnCard(sessions, config, accounts.named),
            dial_codes=dial_codes,
            address_book=AddressBook(sessions, config, directory, dial_codes),
            app_passwords=AppPasswords(sessions, config, accounts),
            feed=feed,
            push=PushHub(sessions, feed, directory),
        )

"""How fast passwords may be guessed: failed logins counted per account, per address and account, and per
address, with an exponential back-off up to a ceiling; and which address a request comes from.

Rules (each key is limited on its own; a login is refused while any of its keys is backing off):

- ``(address, username)``: ``attempts`` failures, then a delay of ``delay_s``, doubling with every further
  failure up to ``max_delay_s``.
- ``username`` over all addresses: ``account_attempts`` failures, then the same back-off. One address adds
  at most ``attempts`` failures to it, so a single address cannot lock the account for everyone else.
- ``address`` over all usernames: ``address_attempts`` failures, then the same back-off.
- A login that presents a valid session or API token of the same user is a known device: it is counted on
  a key of its own (``attempts`` failures), so an attacker's failures never block the real user's password.

An attempt is counted *before* the password is checked, under a lock, and given back when it succeeds; so
40 simultaneous wrong passwords against a limit of 5 check at most 5. Refused attempts are not counted and
create nothing. Entries are forgotten ``window_s`` (or the ceiling, if longer) after their last failure, and
at most ``max_entries`` are kept, so unauthenticated requests cannot grow memory. At the cap the oldest entry
that is not backing off goes first, so flooding the limiter with new names does not reset an account's
back-off (it would take ``EVICT_SCAN`` accounts backing off, all older than the target, to evict it).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import InputError
from .errors import TooManyAttempts

MAX_HOPS = 16  # proxies walked back in a forwarding header; a longer chain is not ours
EVICT_SCAN = 64  # at the cap, the oldest entry not backing off among this many goes first


class _Entry:
    __slots__ = ("count", "last", "limit")

    def __init__(self, count: int, last: float, limit: int):
        self.count, self.last, self.limit = count, last, limit


@dataclass
class Attempt:
    """What :meth:`LoginLimiter.begin` counted, so that a success can give it back."""

    pair: str | None  # the key cleared on success
    counted: list[tuple[str, float | None, float]] = field(default_factory=list)  # (key, previous last, ours)


class LoginLimiter:
    """Failed logins with back-off; state that lives as long as the server process (one per application)."""

    def __init__(
        self,
        attempts: int = 5,
        account_attempts: int = 10,
        address_attempts: int = 20,
        window_s: float = 300.0,
        delay_s: float = 5.0,
        max_delay_s: float = 300.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        for name, value in (
            ("login_attempts", attempts),
            ("login_account_attempts", account_attempts),
            ("login_address_attempts", address_attempts),
            ("login_max_entries", max_entries),
        ):
            if value < 1:
                raise InputError(f"{name} = {value}: expected 1 or more")
        if not (0 < delay_s <= max_delay_s) or window_s <= 0:
            raise InputError(
                f"login_delay_s = {delay_s}, login_max_delay_s = {max_delay_s}, login_window_s = {window_s}: "
                "expected 0 < delay ≤ ceiling and a positive window"
            )
        self.attempts, self.account_attempts, self.address_attempts = attempts, account_attempts, address_attempts
        self.delay_s, self.max_delay_s, self.max_entries = delay_s, max_delay_s, max_entries
        self.forget_s = max(window_s, max_delay_s)  # an entry outlives its longest delay
        self.clock = clock
        self.entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently failed first
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def delay(self, count: int, limit: int) -> float:
        """Seconds to wait after the last of ``count`` failures on a key allowing ``limit`` (0: no wait)."""
        if count < limit:
            return 0.0
        return min(self.delay_s * 2.0 ** min(count - limit, 40), self.max_delay_s)

    def _expire(self, now: float) -> None:
        while self.entries:
            key, e = next(iter(self.entries.items()))
            if now - e.last <= self.forget_s:
                break
            del self.entries[key]

    def _wait(self, key: str, limit: int, now: float) -> float:
        e = self.entries.get(key)
        return 0.0 if e is None else max(0.0, e.last + self.delay(e.count, limit) - now)

    def _count(self, attempt: Attempt, key: str, limit: int, now: float) -> None:
        e = self.entries.pop(key, None)
        attempt.counted.append((key, e.last if e else None, now))
        if e is None:
            e = _Entry(0, now, limit)
        e.count, e.last = e.count + 1, now
        self.entries[key] = e  # re-inserted: the newest
        while len(self.entries) > self.max_entries:
            self._evict_one()

    def _evict_one(self) -> None:
        for i, (key, e) in enumerate(self.entries.items()):
            if i >= EVICT_SCAN:
                break
            if e.count < e.limit:
                del self.entries[key]
                return
        self.entries.popitem(last=False)

    def begin(self, address: str, username: str, known: bool = False) -> Attempt:
        """Count one login attempt, or raise :class:`TooManyAttempts` (counting nothing) while backing off.
        ``known``: the request carries a valid session or token of this same user."""
        user = username.strip().casefold()
        if known:
            keys = [(f"known|{user}", self.attempts)]
        else:
            keys = [
                (f"pair|{address}|{user}", self.attempts),
                (f"user|{user}", self.account_attempts),
                (f"addr|{address}", self.address_attempts),
            ]
        with self.lock:
            now = self.clock()
            self._expire(now)
            wait = max(self._wait(key, limit, now) for key, limit in keys)
            if wait > 0:
                raise TooManyAttempts(math.ceil(wait))
            attempt = Attempt(pair=keys[0][0])
            pair = self.entries.get(keys[0][0])
            below = pair is None or pair.count < self.attempts
            for i, (key, limit) in enumerate(keys):
                if i == 1 and not below:  # one address adds at most `attempts` failures to the account
                    continue
                self._count(attempt, key, limit, now)
            return attempt

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: give back what :meth:`begin` counted and forget this address's failures for
        this user (the other addresses' failures on the account stay)."""
        self._give_back(attempt, forget_pair=True)

    def cancel(self, attempt: Attempt) -> None:
        """No password was checked (the store failed): give back what :meth:`begin` counted."""
        self._give_back(attempt, forget_pair=False)

    def _give_back(self, attempt: Attempt, forget_pair: bool) -> None:
        with self.lock:
            for key, previous, ours in attempt.counted:
                e = self.entries.get(key)
                if e is None:
                    continue
                if (forget_pair and key == attempt.pair) or e.count <= 1:
                    del self.entries[key]
                    continue
                e.count -= 1
                if e.last == ours and previous is not None:
                    e.last = previous


# --- which address a request comes from ----------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
HEADERS = ("x-forwarded-for", "forwarded")


def parse_proxies(values) -> tuple[Network, ...]:
    """Trusted proxies from addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``)."""
    out = []
    for value in values or ():
        text = str(value).strip()
        if not text:
            continue
        try:
            out.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise InputError(
                f"trusted proxy {text!r}: expected an IP address or network, e.g. 10.0.0.5 or 10.0.0.0/24"
            ) from None
    return tuple(out)


def _ip(text: str):
    """The address in one hop of a forwarding header (ports and IPv6 brackets removed), or None."""
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(ip, proxies: tuple[Network, ...]) -> bool:
    return ip is not None and any(ip in net for net in proxies)


def _hops(headers, header: str) -> list[str]:
    """The addresses a forwarding header lists, the client first and the nearest proxy's peer last."""
    joined = ",".join(headers.getlist(header))
    if header == "forwarded":  # RFC 7239: for=1.2.3.4;proto=https, for="[2001:db8::1]:443"
        hops = []
        for element in joined.split(","):
            found = [p.split("=", 1)[1] for p in element.split(";") if p.strip().lower().startswith("for=")]
            hops.append(found[0] if found else "")
        return hops
    return joined.split(",")


def client_address(request, proxies: tuple[Network, ...], header: str = "x-forwarded-for") -> str:
    """The address limits count against: the peer, unless the peer is a trusted proxy; then the header
    ``header`` is read from the right, past the trusted proxies, to the first address that is not one (the
    values a client wrote to the left of it are never believed)."""
    peer = request.client.host if request.client else "unknown"
    if not proxies or not _trusted(_ip(peer), proxies):
        return peer
    hops = _hops(request.headers, header)
    for hop in reversed(hops[-MAX_HOPS:]):
        ip = _ip(hop)
        if ip is None:
            return peer  # our proxy wrote something that is no address: count against the proxy, not a guess
        if not _trusted(ip, proxies):
            return str(ip)
    return peer

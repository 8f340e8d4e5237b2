"""Before sending: every profile exists, every network is connected and healthy, and the choices
that matter (TikTok privacy levels, Pinterest boards, Skool groups) are ones the network offers.

One `GET /accounts`, and `GET /accounts/{id}/options` only for profiles whose posts need it
(within the API's 10 a minute). A problem is one clear message for the posts it affects, and
those posts are held back this run; nothing is recorded for them, so the next run after the fix
sends them as if nothing happened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.api import Account, PostingOptions, Status200Client
from pipeline.model import PlannedPost

#: Options whose allowed values depend on the profile's own networks.
_OPTION_PLATFORMS = ("tiktok", "pinterest", "skool")


@dataclass(frozen=True, slots=True)
class Preflight:
    profiles: dict[str, str] = field(default_factory=dict)  # handle (lower case) -> profile_id
    blocked: dict[str, str] = field(default_factory=dict)  # identity -> reason
    problems: tuple[str, ...] = ()  # one line per problem, naming how many posts it holds back

    def profile_id(self, account: str) -> str | None:
        return self.profiles.get(_norm(account))


def _norm(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def _index(accounts: Sequence[Account]) -> dict[str, Account]:
    index: dict[str, Account] = {}
    for account in accounts:
        for name in (account.handle, account.profile_name, account.profile_id):
            if name:
                index.setdefault(_norm(name), account)
    return index


def _network_problem(account: Account, platform: str) -> str | None:
    network = account.network(platform)
    if network is None:
        return f"{account.handle}: {platform} is not connected (connect it in the dashboard)"
    if network.status != "connected" or network.health == "reconnect_required":
        return (
            f"{account.handle}: {platform} needs to be reconnected "
            f"(status {network.status}, health {network.health})"
        )
    return None


def _option_problem(post: PlannedPost, options: PostingOptions | None) -> str | None:
    if options is None:
        return None
    network = options.network(post.platform)
    if network is None or network.status != "ok" or not isinstance(network.options, Mapping):
        return None  # the network did not answer; the API itself will judge the post
    chosen = post.options
    found = network.options
    if post.platform == "tiktok" and "privacyLevel" in chosen:
        allowed = found.get("privacy_level_options")
        if isinstance(allowed, list) and chosen["privacyLevel"] not in allowed:
            return (
                f"{post.account}: TikTok privacyLevel {chosen['privacyLevel']} is not offered for "
                f"this account now (offered: {', '.join(map(str, allowed)) or 'none'})"
            )
    if post.platform == "pinterest" and "boardId" in chosen:
        boards = found.get("boards")
        if isinstance(boards, list):
            ids = {str(b.get("id")) for b in boards if isinstance(b, Mapping)}
            if str(chosen["boardId"]) not in ids:
                names = ", ".join(
                    f"{b.get('name')} ({b.get('id')})" for b in boards if isinstance(b, Mapping)
                )
                return (
                    f"{post.account}: Pinterest board {chosen['boardId']} does not exist "
                    f"(boards: {names or 'none'})"
                )
    if post.platform == "skool" and "group" in chosen:
        groups = found.get("groups")
        if isinstance(groups, list):
            ids = {str(g.get("id")) for g in groups if isinstance(g, Mapping)}
            if str(chosen["group"]) not in ids:
                return f"{post.account}: Skool group {chosen['group']} is not one of this profile's"
    return None


def run_preflight(client: Status200Client, posts: Sequence[PlannedPost]) -> Preflight:
    """Reads the accounts even for no posts: `profiles` names every profile of the key, which
    reconciling posts removed from the calendar needs."""
    index = _index(client.list_accounts().accounts)
    held: dict[str, list[str]] = defaultdict(list)  # problem -> identities
    profiles = {name: account.profile_id for name, account in index.items()}
    needs_options: dict[str, set[str]] = defaultdict(set)  # profile_id -> platforms
    for post in posts:
        account = index.get(_norm(post.account))
        if account is None:
            known = ", ".join(sorted({a.handle for a in index.values()})) or "none"
            held[f"{post.account}: no such profile on this API key (profiles: {known})"].append(
                post.identity
            )
            continue
        problem = _network_problem(account, post.platform)
        if problem:
            held[problem].append(post.identity)
        elif post.platform in _OPTION_PLATFORMS:
            needs_options[account.profile_id].add(post.platform)
    options = {
        profile_id: client.posting_options(profile_id, sorted(platforms))
        for profile_id, platforms in needs_options.items()
    }
    for post in posts:
        profile_id = profiles.get(_norm(post.account))
        if profile_id is None or post.platform not in _OPTION_PLATFORMS:
            continue
        problem = _option_problem(post, options.get(profile_id))
        if problem:
            held[problem].append(post.identity)
    blocked = {identity: problem for problem, ids in held.items() for identity in ids}
    lines = tuple(
        f"{problem} — {len(ids)} post{'s' * (len(ids) != 1)} held back"
        for problem, ids in sorted(held.items())
    )
    return Preflight(profiles, blocked, lines)

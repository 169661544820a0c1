"""Isolation: every user-owned event, sent by another user with the owner's ids, answers
NotFound (or the answer docs/function.md documents) and changes nothing of the owner's."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from alex_schemas.events import UpsertUser

from tests.examples import Story
from tests.reliability.conftest import Function

# event type -> what another user gets with the owner's ids (docs/function.md), when it is not
# NotFound: their own user, portfolio or jobs (none of the owner's); a delete of a row that is
# not theirs deletes nothing; an id already used by the owner's account or job is a Conflict.
OWN_DATA = {"UpsertUser", "GetUser", "GetPortfolio", "ListJobs"}
DELETES = {"DeleteAccount", "DeletePosition"}
CONFLICTS = {"CreateAccount", "CreateJob"}


def test_another_users_ids_are_not_found_and_change_nothing(
    function: Function, new_story: Callable[[], Story], proves: Callable[[str], None]
) -> None:
    owner, intruder = new_story(), new_story()
    events = list(owner.events())
    # Given the owner's story played up to its deletions (the account and jobs exist)
    for name, event in events:
        if name not in ("delete_position", "delete_account"):
            assert function.invoke(event)["ok"], name
    assert function.invoke(UpsertUser(clerk_user_id=intruder.user))["ok"]
    before = owner.state(function.gateway.session())
    owned = [owner.user, *owner.ids.values()]
    answers: Counter[str] = Counter()
    covered = set()
    for name, event in events:
        if not hasattr(event, "clerk_user_id"):
            continue  # instruments are shared reference data
        # When the intruder sends the owner's event under their own clerk_user_id
        attack = event.model_copy(update={"clerk_user_id": intruder.user})
        answer = function.invoke(attack)
        kind = attack.type
        covered.add(kind)
        # Then the answer is the documented one, and carries nothing of the owner's
        if kind in OWN_DATA:
            assert answer["ok"], name
            text = json.dumps(answer)
            assert not any(value in text for value in owned), f"{name} showed the owner's data"
            answers["own data"] += 1
        elif kind in DELETES:
            assert answer == {"ok": True, "result": {"deleted": False}}, name
            answers["deleted: false"] += 1
        elif kind in CONFLICTS:
            assert answer.get("error", {}).get("code") == "Conflict", (name, answer)
            answers["Conflict"] += 1
        else:
            assert answer.get("error", {}).get("code") == "NotFound", (name, answer)
            answers["NotFound"] += 1
        # And nothing of the owner's changed
        assert owner.state(function.gateway.session()) == before, name
    assert covered >= OWN_DATA | DELETES | CONFLICTS
    proves(
        f"{sum(answers.values())} events ({len(covered)} user-owned types) sent with another "
        f"user's ids: {dict(answers)}; the owner's rows unchanged after each"
    )

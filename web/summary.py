"""The plain-words line under the grant matrix: who can do what with one entry.

Pure: an entry, the owner's circle names and a translator in, one sentence out. The policy
takes the highest level any of a viewer's audiences grants, so a circle's lower level under
a higher "everyone" level says nothing and is left out of the sentence."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from phonebook.model import PUBLIC, Entry, Level

Translate = Callable[..., str]


def join_names(t: Translate, names: Sequence[str]) -> str:
    """ "Family", "Family and Work", "Family, Work and Clients" (家人、同事和客户)."""
    if len(names) == 1:
        return names[0]
    head = t("list.sep").join(names[:-1])
    return t("list.last", head=head, last=names[-1])


def summary(entry: Entry, circles: Mapping[str, str], t: Translate) -> str:
    """``circles`` maps circle ids to names, in the order the matrix shows them."""
    public = entry.grants.get(PUBLIC, Level.HIDDEN)
    label = entry.label
    if public == Level.VISIBLE:
        return t("sum.everyone_sees", label=label)
    seeing = [n for cid, n in circles.items() if entry.grants.get(cid) == Level.VISIBLE]
    calling = [n for cid, n in circles.items() if entry.grants.get(cid) == Level.CALLABLE]
    if public == Level.CALLABLE:
        if seeing:
            return t("sum.see_and_everyone_else_calls", who=join_names(t, seeing), label=label)
        return t("sum.everyone_calls", label=label)
    if seeing and calling:
        return t(
            "sum.see_and_call",
            who=join_names(t, seeing),
            callers=join_names(t, calling),
            label=label,
        )
    if seeing:
        return t("sum.see", who=join_names(t, seeing), label=label)
    if calling:
        return t("sum.call", who=join_names(t, calling), label=label)
    return t("sum.nobody", label=label)

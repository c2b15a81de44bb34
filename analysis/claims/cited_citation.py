"""The citation axis of the background claims: does each cited work print the figure?

The citation axis reads ``data/background/cited_works.yaml``: what of each cited work was read
and whether that part prints the figure. Rule for a claim citing several works:

- ``supported``: every cited work prints the figure;
- ``partly-supported``: at least one cited work prints it and another does not (or was not found);
- ``not-supported``: every cited work was read and none prints it — a source that does not
  contain the figure never makes a citation ``supported``;
- ``unverifiable``: no cited work that was read prints it and at least one cited work could not
  be read or found (it might print the figure, so "not supported" would claim more than the
  evidence shows). The reason names both, e.g. "[1] read, does not print it; [2] not found".

"""

from __future__ import annotations



from analysis.inputs.cited_works import CitedWork


def citation_axis(claim_id: str, references: tuple[str, ...], works: dict[str, CitedWork]) -> tuple[str, str]:
    """The citation verdict of a background claim and its reason (rule in the module docstring).

    The reason opens with one clause per cited work ("[1] read, does not print it; [2] not
    found"), then what each work that was read says.
    """
    prints, lacks, unread, summary = [], [], [], []
    for key in references:
        work = works.get(key)
        if work is None:
            raise ValueError(f"claim {claim_id}: cited work {key!r} is not listed in background/cited_works.yaml")
        label = f"[{work.number}] {key}"
        if not work.text_read:
            state = "not found" if not work.found else "found, text not read"
            unread.append(label)
            summary.append(f"[{work.number}] {state}")
            continue
        verdict = work.carries.get(claim_id)
        if verdict is None:
            raise ValueError(f"claim {claim_id}: cited_works.yaml does not say whether {key} prints its figure")
        (prints if verdict["prints"] else lacks).append(f"{label}: {verdict['why']}")
        summary.append(f"[{work.number}] read, {'prints it' if verdict['prints'] else 'does not print it'}")
    parts = ["; ".join(summary) + "."]
    if prints:
        parts.append("Prints it: " + " ".join(prints))
    if lacks:
        parts.append("Read, does not print it: " + " ".join(lacks))
    if unread:
        parts.append("Could not be checked: " + "; ".join(unread) + " (it might print the figure).")
    reason = " ".join(parts)
    if prints and not lacks and not unread:
        return "supported", reason
    if prints:
        return "partly-supported", reason
    if unread:
        return "unverifiable", reason
    return "not-supported", reason


def work_finding(work: CitedWork, claim_id: str, claim_citation: str) -> str:
    """What one cited work contributes to one claim's citation verdict, on the citation scale:
    ``unverifiable`` when its text was not read, ``supported``/``not-supported`` from its
    ``carries`` entry for a background claim, otherwise the claim's own citation verdict."""
    if not work.text_read:
        return "unverifiable"
    if claim_citation == "pending":
        return "pending"
    verdict = work.carries.get(claim_id)
    if verdict is not None:
        return "supported" if verdict["prints"] else "not-supported"
    return claim_citation



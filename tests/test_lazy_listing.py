"""LAZY_LISTING (store/lazy.Listing): a kept kind listing answered from its texts is the dictionary
it stands for, whatever is asked and in whatever order."""

from __future__ import annotations

import random

from meti_pi.store.lazy import _unpacked
from meti_pi.store.listing import Listing


def pair(files: dict[str, str]) -> Listing:
    return Listing("\n".join(files), "\n".join(files.values()))


def test_a_listing_answers_as_its_dictionary() -> None:
    rng = random.Random(18)
    files = {f"files/F-2026-{i:06d}.yaml": f"{rng.getrandbits(160):040x}" for i in range(3000)}
    files["files/F-1.yaml"] = "a" * 40  # a name that is the start of others
    files["files/F-10.yaml"] = "b" * 40
    listing = pair(files)
    assert len(listing) == len(files)
    asked = ["files/F-1.yaml", "files/F-10.yaml", "files/F-1", "F-1.yaml", "files/F-2026-000000.yaml", ""]
    asked += [*rng.sample(sorted(files), 10), "files/none.yaml", "iles/F-10.yaml", "files/F-10.yam"]
    for rel in asked:
        fresh = pair(files)  # each asked of a listing not yet a dictionary
        assert fresh.get(rel) == files.get(rel), rel
        assert (rel in pair(files)) == (rel in files), rel
        assert fresh._dict is None  # answered from the texts
    for rel in rng.sample(sorted(files), Listing.ASKS + 1):  # asked often: the dictionary is built
        assert listing[rel] == files[rel]
    assert listing._dict is not None
    assert dict(listing) == files and list(listing) == list(files)
    assert pair(files).items() == files.items() and sorted(pair(files).values()) == sorted(files.values())


def test_ids_of_different_lengths_and_small_listings() -> None:
    mixed = {"a/x.yaml": "1" * 40, "a/y.yaml": "2" * 64}
    assert pair(mixed).get("a/y.yaml") == "2" * 64 and pair(mixed).get("a/x.yaml") == "1" * 40
    one = {"a/x.yaml": "3" * 64}
    assert pair(one).get("a/x.yaml") == "3" * 64 and pair(one).get("a/y.yaml") is None
    assert len(pair({})) == 0 and pair({}).get("a/x.yaml") is None and dict(pair({})) == {}


def test_a_kept_listing_that_does_not_add_up_is_not_used() -> None:
    kept = {"v": 2, "tree": "t" * 40, "rels": "a/x.yaml\na/y.yaml", "shas": "1" * 40, "refs": "\n", "unknown": ""}
    assert _unpacked(kept) is None
    kept["shas"] = "1" * 40 + "\n" + "2" * 40
    unpacked = _unpacked(kept)
    assert unpacked is not None and dict(unpacked[1]) == {"a/x.yaml": "1" * 40, "a/y.yaml": "2" * 40}


def test_the_views_are_the_dictionarys_own() -> None:
    files = {f"files/F-{i}.yaml": f"{i:040x}" for i in range(100)}
    listing = pair(files)
    assert set(listing.values()) == set(files.values())
    assert type(listing.values()) is type(files.values()) and type(listing.items()) is type(files.items())
    assert list(listing.keys()) == list(files)


def test_folded_finds_what_lowering_every_path_finds() -> None:
    """FOLDED_SEARCH: `Listing.folded` lists the paths whose lower() is asked, in the listing's order,
    as lowering each path of the dictionary does, without building the dictionary."""
    rng = random.Random(1812)
    files = {f"divisions/div-{i:05d}.yaml": f"{i:040x}" for i in range(2000)}
    files["divisions/DIV-00007.yaml"] = "c" * 40  # folds to a name listed before it
    files["divisions/Div-00007.yaml"] = "d" * 40
    files["divisions/div-1.yaml"] = "e" * 40  # the start of other names
    files["divisions/div-1.YAML"] = "f" * 40  # folds to the path above, is not a .yaml key
    names = [
        "divisions/div-00007.yaml",
        "divisions/div-1.yaml",
        "divisions/div-99999.yaml",
        "div-1.yaml",
        "divisions/div-0",
    ]
    names += [n.lower() for n in rng.sample(sorted(files), 20)] + ["a\nb"]
    for asked in ([], names[:1], names):
        want = [rel for rel in files if rel.lower() in set(asked)]
        listing = pair(files)
        assert listing.folded(asked) == want, asked
        assert listing._dict is None
    assert pair(files).folded(["divisions/div-00007.yaml"]) == [
        "divisions/div-00007.yaml",
        "divisions/DIV-00007.yaml",
        "divisions/Div-00007.yaml",
    ]
    assert pair({}).folded(["a/x.yaml"]) == []
    odd = {"a/\u0130x.yaml": "1" * 40, "a/x.yaml": "2" * 40, "a/\u03a3\u03a3.yaml": "3" * 40}  # lower() changes lengths
    assert pair(odd).folded(["a/x.yaml", "a/\u03c3\u03c2.yaml", "a/i\u0307x.yaml"]) == [
        rel for rel in odd if rel.lower() in ("a/x.yaml", "a/\u03c3\u03c2.yaml", "a/i\u0307x.yaml")
    ]

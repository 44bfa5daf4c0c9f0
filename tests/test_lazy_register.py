"""The register read at a commit, lazily (meti_pi.store.lazy, issue 18): the same register as a
whole read, its kind listings kept in the read cache and moved forward with `git diff-tree`, and a
write that reads only what its change touches."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from conftest import git, make_register

from meti_pi.checks.validate import ERROR_CHECKS, focus_of, focused_errors, validate_register
from meti_pi.store import lazy
from meti_pi.store.listing import Listing
from meti_pi.store.problems import schema_problems
from meti_pi.store.register import Register, tree_of

TODAY = date(2026, 11, 26)
REPO = Path(__file__).resolve().parent.parent


def listed(root: Path) -> dict[str, str]:
    """What `git ls-tree -r` says HEAD holds under `root` (the register files)."""
    out = git(root, "ls-tree", "-r", "-z", "HEAD", "--", ".")
    found = {}
    for entry in out.split("\0"):
        head, _, rel = entry.partition("\t")
        if head.startswith("100644") and (rel.endswith(".yaml") or "/" not in rel) and not rel.startswith("."):
            found[rel] = head.split()[2]
    return found


def same_register(a: Register, b: Register) -> None:
    assert sorted(a.records) == sorted(b.records)
    for key in a.records:
        assert a.records[key].data == b.records[key].data, key
        assert a.records[key].text == b.records[key].text, key
    assert sorted(a.singletons) == sorted(b.singletons)
    assert [p.as_json() for p in a.load_problems] == [p.as_json() for p in b.load_problems]


def test_a_lazy_read_is_the_whole_read(tmp_path: Path) -> None:
    root = make_register(
        tmp_path, {"divisions/broken.yaml": "id: [unclosed\n", "stray/thing.yaml": "id: x\n"}, example=True
    )
    for _ in range(2):  # cold (parsed from blobs), then from the read cache
        tree = tree_of(root, "HEAD")
        lazy_reg = Register.load(root, at=tree)
        assert isinstance(lazy_reg.records, lazy.Records)
        eager = Register.load(root, at=dict(tree))  # a plain mapping: read whole
        assert not isinstance(eager.records, lazy.Records)
        same_register(lazy_reg, eager)
        assert [p.as_json() for p in validate_register(lazy_reg, TODAY)] == [
            p.as_json() for p in validate_register(eager, TODAY)
        ]
        assert {p.code for p in lazy_reg.load_problems} >= {"yaml", "layout"}
        lazy_reg.flush_cache()


def test_kept_listings_follow_commits_made_by_hand(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    repo = root.parent
    assert dict(tree_of(root, "HEAD")) == listed(root)  # lists and keeps every kind folder
    division = sorted((root / "divisions").glob("*.yaml"))[0]
    division.write_text(division.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    sorted((root / "files").glob("*.yaml"))[0].unlink()
    (root / "divisions" / "added-by-hand.yaml").write_text("schema_version: 1\nid: added-by-hand\n", encoding="utf-8")
    inspection = sorted((root / "inspections").rglob("*.yaml"))[0]
    (inspection.parent.parent / "2031").mkdir()
    inspection.rename(inspection.parent.parent / "2031" / inspection.name)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "by hand")
    tree = tree_of(root, "HEAD")
    assert dict(tree) == listed(root)  # moved forward through git diff-tree from the kept listings
    again = tree_of(root, "HEAD")
    assert dict(again) == listed(root)  # and kept for the new tree ids
    git(repo, "reset", "-q", "--hard", "HEAD~1")  # back: the listings follow the other way too
    assert dict(tree_of(root, "HEAD")) == listed(root)


def test_referrers_come_from_the_kept_listings_and_equal_a_scan(tmp_path: Path) -> None:
    root = make_register(tmp_path, example=True)
    whole = Register.load(root)
    for _ in range(2):
        reg = Register.load(root, at=tree_of(root, "HEAD"))
        for division in whole.of_kind("divisions"):
            kinds = {"files", "systems", "contractors", "incidents", "inspections", "audits"}
            assert reg.referrers({division.key}, kinds) == whole.referrers({division.key}, kinds)
        reg.flush_cache()


def test_a_write_reads_what_its_change_touches(tmp_path: Path) -> None:
    """Records a command does not read are not built: a new division reads a few records of 1,500."""
    sys.path.insert(0, str(REPO / "bench"))
    import gen_register

    root = gen_register.generate(tmp_path / "gen", 1500, 30, seed=5)
    Register.load(root)  # fills the read cache
    built: list[str] = []
    for rid in ("zz-first", "zz-new"):  # the first write also keeps each listing's references
        new = {
            f"divisions/{rid}.yaml": json.dumps(
                {"schema_version": 1, "id": rid, "name": "新課", "org": "経済産業省", "manager_post": "課長"},
                ensure_ascii=False,
            )
        }
        reg = Register.load(root, overlay=new, at=tree_of(root, "HEAD"))
        focus = focus_of(reg, new)
        assert focus is not None and f"divisions/{rid}" in focus
        assert focused_errors(reg, TODAY, focus, checks=ERROR_CHECKS) == []
        assert isinstance(reg.records, lazy.Records)
        built = [rel for rel, rec in reg.records.made.items() if rec is not None]
        reg.flush_cache()
    total = len(listed(root))
    assert "divisions/zz-new.yaml" in built
    assert len(built) < total / 10, (len(built), total, sorted({r.split("/")[0] for r in built}))


def test_sparse_shards_parse_a_few_records_instead_of_reading_their_shard(tmp_path: Path, monkeypatch: Any) -> None:
    """SPARSE_SHARDS: records few in a large shard not read yet are parsed from their blobs, giving
    the same records and problems as the cache, and the shard is neither read nor rewritten."""
    from meti_pi.store import cache_files

    root = make_register(tmp_path, {"divisions/broken.yaml": "id: [unclosed\n"}, example=True)
    eager = Register.load(root, at=dict(tree_of(root, "HEAD")))  # read whole: fills the read cache
    eager.flush_cache()
    shards = {p.name: p.stat().st_mtime_ns for p in next((root.parent / ".git" / "meti-pi-cache").iterdir()).iterdir()}
    assert any(name.startswith("rec.files.") for name in shards)
    read: list[str] = []
    real_read = cache_files._read

    def counting(path: Path, fp: str, key: bytes) -> Any:
        read.append(path.name)
        return real_read(path, fp, key)

    monkeypatch.setattr(cache_files, "_read", counting)
    seen = []
    # every shard "large", then every shard "small", then as shipped (the example's shards are
    # below SPARSE_MIN_BYTES: read, as starting cat-file would cost more)
    for weight, least, parsed in (
        (1, 0, True),
        (1 << 40, 0, False),
        (lazy.PARSE_EQUALS_BYTES, lazy.SPARSE_MIN_BYTES, False),
    ):
        monkeypatch.setattr(lazy, "PARSE_EQUALS_BYTES", weight)
        monkeypatch.setattr(lazy, "SPARSE_MIN_BYTES", least)
        read.clear()
        reg = Register.load(root, at=tree_of(root, "HEAD"))
        keys = sorted(eager.records)
        assert [reg.records.get(k).data for k in keys] == [eager.records[k].data for k in keys]
        seen.append([p.as_json() for p in reg.problems_of({f"{k}.yaml" for k in keys} | {"divisions/broken.yaml"})])
        reg.flush_cache()
        assert any(name.startswith("rec.") for name in read) is not parsed, read
    assert seen[0] == seen[1] == seen[2] and any(p["path"] == "divisions/broken.yaml" for p in seen[0])
    after = {p.name: p.stat().st_mtime_ns for p in next((root.parent / ".git" / "meti-pi-cache").iterdir()).iterdir()}
    assert {n: t for n, t in after.items() if n.startswith("rec.")} == {
        n: t for n, t in shards.items() if n.startswith("rec.")
    }


def test_blob_stream_reads_what_cat_file_reads(tmp_path: Path) -> None:
    """BLOB_STREAM: one `cat-file --batch` kept open answers many asks (more names than a chunk),
    says which object is missing, and ends when closed."""
    from meti_pi.errors import MetiPiError
    from meti_pi.gitlayer.runner import BlobStream, cat_file

    root = make_register(tmp_path, example=True)
    shas = sorted(set(listed(root).values()))
    assert len(shas) > 20
    stream = BlobStream(root.parent)
    stream.CHUNK = 7  # several chunks
    assert stream.read(shas[:3]) == cat_file(root.parent, shas[:3])
    assert stream.read(shas) == cat_file(root.parent, shas)  # the same process, asked again
    proc = stream._proc
    assert proc is not None and proc.poll() is None
    try:
        stream.read(["0" * 40])
        raise AssertionError("a missing object was read")
    except MetiPiError as exc:
        assert "missing" in str(exc)
    assert proc.poll() is not None  # ended with the failure; the next read starts another
    assert stream.read(shas[:2]) == cat_file(root.parent, shas[:2])
    stream.close()
    assert stream._proc is None


def test_refs_as_text_names_whole_targets_and_keeps_no_separator() -> None:
    """REFS_AS_TEXT: the kept references text round-trips, a search finds whole targets only, and a
    name or target holding a separator stays out of the text (its record is then read each time)."""
    files = {f"files/F-{i}.yaml": f"{i:040d}" for i in range(5)}
    known = {
        "files/F-0.yaml": ("divisions/a", "contractors/c"),
        "files/F-1.yaml": ("divisions/ab",),
        "files/F-2.yaml": ("divisions/x\tdivisions/a",),  # a separator inside a reference
        "files/F-3.yaml": (),
    }
    text, unknown = lazy._refs_text(files, known)
    assert unknown == {"files/F-2.yaml", "files/F-4.yaml"}
    assert lazy._parsed_refs(text) == {r: t for r, t in known.items() if r != "files/F-2.yaml"}
    assert lazy._naming(text, {"divisions/a"}) == {"files/F-0.yaml"}
    assert lazy._naming(text, {"divisions/ab", "contractors/c"}) == {"files/F-0.yaml", "files/F-1.yaml"}
    assert lazy._naming(text, {"files/F-0.yaml", "divisions"}) == set()  # relpaths and partial targets
    packed = {"v": lazy.LISTING_VERSION, "tree": "t", "rels": "\n".join(files), "shas": "\n".join(files.values())}
    assert lazy._unpacked({**packed, "refs": text, "unknown": "\n".join(sorted(unknown))}) == (
        "t",
        files,
        text,
        unknown,
    )
    assert lazy._unpacked({**packed, "refs": text, "unknown": "", "shas": "x"}) is None  # does not unpack: relisted


def test_referrers_from_the_kept_text_see_a_reference_with_a_separator(tmp_path: Path) -> None:
    root = make_register(
        tmp_path,
        {"files/F-odd.yaml": "schema_version: 1\nid: F-odd\ndivision: \"kanbo\\tsomu\"\n"},
        example=True,
    )
    whole = Register.load(root)
    failing = {p.path[: -len(".yaml")] for p in schema_problems(whole)}
    assert "files/F-odd" in failing  # left out as the checks leave it out (Records.referrers)
    for _ in range(3):  # listed, then from the kept text
        reg = Register.load(root, at=tree_of(root, "HEAD"))
        for key in ("divisions/kanbo\tsomu", *(d.key for d in whole.of_kind("divisions"))):
            assert reg.referrers({key}, {"files"}) == whole.referrers({key}, {"files"}) - failing, key
        reg.flush_cache()
    # a change to the record failing its schema: it is the change's own, and named all the same
    odd = {"files/F-odd.yaml": "schema_version: 1\nid: F-odd\ndivision: \"kanbo\\tsomu\"\nname: x\n"}
    reg = Register.load(root, overlay=odd, at=tree_of(root, "HEAD"))
    assert reg.referrers({"divisions/kanbo\tsomu"}, {"files"}) == {"files/F-odd"}


def test_kept_listings_move_forward_without_reading_gits_index(tmp_path: Path, monkeypatch: Any) -> None:
    """NO_INDEX_READ: `git diff-tree` of two trees is run with GIT_INDEX_FILE naming a file that
    does not exist, so git does not read the whole index (10 MB at 100k): an index git cannot read
    does not stop it, and the listing is the one git lists."""
    from meti_pi import gitlayer
    from meti_pi.gitlayer.runner import no_index_env

    root = make_register(tmp_path, example=True)
    repo = root.parent
    dict(tree_of(root, "HEAD"))  # every kind folder listed and kept
    division = sorted((root / "divisions").glob("*.yaml"))[0]
    division.write_text(division.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "by hand")
    index = repo / ".git" / "index"
    kept = index.read_bytes()
    index.write_bytes(b"DIRC not an index")  # any git command that reads it fails
    asked = []
    real = gitlayer.git

    def spy(cwd: Path, *args: str, **kw: Any) -> str:
        asked.append(args[0])
        return real(cwd, *args, **kw)

    monkeypatch.setattr(gitlayer, "git", spy)
    try:
        assert dict(tree_of(root, "HEAD")) == listed(root)
    finally:
        index.write_bytes(kept)
    assert "diff-tree" in asked and "ls-tree" in asked  # the root listing, then moved forward...
    assert asked.count("ls-tree") == 1  # ...not listed again with `ls-tree -r`
    env = no_index_env()
    assert not Path(env["GIT_INDEX_FILE"]).parent.exists()  # nothing created, nothing to leave behind


def test_a_record_failing_its_schema_does_not_send_a_write_naming_it_to_a_whole_validation(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Register.referrers answers as refs.referring does on the checked register: a record failing
    its schema is left out. Its errors were there before the change and no check reads it, so a
    write to a division it names stays on the focused path (no whole validation, which costs
    seconds at 100,000 records) and is accepted."""
    from meti_pi.actions.transaction import transaction
    from meti_pi.checks import validate
    from meti_pi.store import refs

    root = make_register(tmp_path, example=True)
    division = sorted((root / "divisions").glob("*.yaml"))[0].stem
    (root / "files" / "F-broken.yaml").write_text(
        f"schema_version: 1\nid: F-broken\ndivision: {division}\n", encoding="utf-8"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a record failing its schema")
    reg = Register.load(root, at=tree_of(root, "HEAD"))
    target = f"divisions/{division}"
    named = reg.referrers({target}, {"files"})
    assert "files/F-broken" not in named and named  # the division's other files are named
    clean = reg.checked(reg.schema_failures())
    assert named == {rec.key for rec in refs.referring(clean, "files", target)}  # one answer

    def whole(*a: Any, **kw: Any) -> Any:
        raise AssertionError("a whole validation")

    monkeypatch.setattr(validate, "validate_register", whole)
    with transaction(root, command="edit", summary="manager post", today=TODAY) as tx:
        tx.edit(target)["manager_post"] = "総括課長"
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [f"register/{target}.yaml"]


def test_a_case_clash_is_found_from_the_kept_listing(tmp_path: Path) -> None:
    """FOLDED_SEARCH: on a register read at a commit, the write path's check_ids finds a new record whose
    id differs only by letter case from a listed one (found in the kept listing's text), as the whole
    validation of the same register does; a key that does not clash is left alone."""
    root = make_register(tmp_path, example=True)
    listed_once = Register.load(root, at=tree_of(root, "HEAD"))
    listed_once.keys_of("divisions")  # the folder listed by git, its listing kept
    division = sorted((root / "divisions").glob("*.yaml"))[0]
    data = Register.load(root).records[f"divisions/{division.stem}"].data
    for rid, clashes in ((division.stem.upper(), True), (division.stem + "-x", False)):
        overlay = {f"divisions/{rid}.yaml": json.dumps({**data, "id": rid}, ensure_ascii=False) + "\n"}
        reg = Register.load(root, overlay=overlay, at=tree_of(root, "HEAD"))
        assert isinstance(reg.records, lazy.Records)
        assert isinstance(reg.records.tree.kind("divisions"), Listing)  # the kept listing's text is searched
        focus = focus_of(reg, overlay)
        assert focus is not None
        focused = [p for p in focused_errors(reg, TODAY, focus, checks=ERROR_CHECKS) if p.code == "id-case"]
        whole = Register.load(root, overlay=overlay, at=dict(tree_of(root, "HEAD")))
        full = [p for p in validate_register(whole, TODAY, checks=ERROR_CHECKS) if p.code == "id-case"]
        # the whole validation reports the clash on the later of the two in its order, the focused one on the change
        assert bool(focused) == bool(full) == clashes, rid
        assert all(f"divisions/{division.stem}" in p.message for p in focused)


def test_live_keys_are_the_held_content_of_their_schema_and_the_keys_just_stored() -> None:
    """The cache sweep asks, key by key, whether an entry is still held (issue 18: the set of
    every live key of a kind was built for it on each write). A content id held under another
    schema is not live for this one; a key just stored is, whatever its content id."""
    from meti_pi.store.cache import LiveKeys, entry_key

    live = LiveKeys("files.schema.json", ["aa", "bb"], {entry_key("cc", "files.schema.json")})
    assert entry_key("aa", "files.schema.json") in live
    assert entry_key("cc", "files.schema.json") in live
    assert entry_key("dd", "files.schema.json") not in live
    assert entry_key("aa", "ledger.schema.json") not in live  # the same content, read as another kind
    assert "aa" not in live and "aa:" not in live and None not in live

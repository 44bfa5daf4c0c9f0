#!/bin/bash
# git's own race between two `git commit`s, without meti-pi (gitlayer/commit.py, MESSAGE_TAKEN).
# A edits f and commits it with `git commit --only f`; B commits (--allow-empty / a file of its own)
# in a loop, in one temporary repository. Counts B commits that changed f (put it back: B read the
# index before A wrote it), A messages on B's files, and "empty commit message" aborts.
# Usage: N=300 tools/git_commit_race.sh   (several at once, e.g. three, make it show sooner)
set -u
d=$(mktemp -d); cd $d; git init -q; git config user.name a; git config user.email a@b
echo 0 > f; git add f; git commit -qm init
( i=0; while [ ! -e stop ]; do i=$((i+1)); if [ $((i%2)) = 1 ]; then git commit -q --allow-empty -m "B $i" 2>>b.err; else echo $i > b-$i.txt; git add b-$i.txt 2>>b.err; git commit -q -m "B $i" 2>>b.err; fi; done ) &
for i in $(seq 1 ${N:-200}); do echo "A $i" > f; git commit -q --only -m "A $i" -- f 2>>a.err || echo "A $i failed" >> a.fail; done
touch stop; wait
echo "dir $d"
echo "A failures: $(cat a.fail 2>/dev/null | wc -l)"; sort a.err | sed 's/[0-9a-f]\{40\}/SHA/g' | uniq -c | sort -rn | head -5
echo "B errors:"; sort b.err | sed 's/[0-9a-f]\{40\}/SHA/g;s/b-[0-9]*/b-N/g' | uniq -c | sort -rn | head -5
bad=0; swapped=0
for c in $(git rev-list HEAD); do s=$(git log -1 --format=%s $c); files=$(git diff-tree --no-commit-id --name-only -r $c | tr '\n' ' ')
  case "$s" in B*) case "$files" in *"f "*) bad=$((bad+1)); echo "B commit $c ($s) changed: $files";; esac;;
  A*) case "$files" in *b-*) swapped=$((swapped+1)); echo "A-message commit $c ($s) changed: $files";; esac;; esac; done
echo "B commits changing f: $bad; A-messages on B's files: $swapped"

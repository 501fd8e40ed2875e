"""The `sciplan align` sub-commands (wired into sciplan/cli.py by add_align)."""

from __future__ import annotations


from ..errors import EXIT_FAIL, EXIT_OK


def run_propose(args, settings) -> int:
    from . import propose

    path, changed, count = propose.run(settings, check=args.check)
    if args.check:
        print(("differs: " if changed else "up to date: ") + str(path))
        return EXIT_FAIL if changed else EXIT_OK
    print(f"{'wrote' if changed else 'unchanged'}: {path} ({count} proposals)")
    return EXIT_OK


def run_apply(args, settings) -> int:
    from . import apply

    from ..generated import checked_summary, write_files

    files = apply.render(settings)
    changed = write_files(files, check=args.check)
    for path in changed:
        print(("differs: " if args.check else "wrote: ") + str(path))
    print(checked_summary(len(files), len(changed), args.check, "data/ttl/alignment",
                          "data/curation/derivation.yaml and alignment.yaml"))
    return EXIT_FAIL if (args.check and changed) else EXIT_OK


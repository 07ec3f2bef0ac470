#!/usr/bin/env python3
"""Writes a man page (roff, man(7)) for a swift-argument-parser command from its own --help
output, including every subcommand's help, then the hand-written sections of
docs/man/NAME.SECTION.in (EXAMPLES, EXIT STATUS, ENVIRONMENT, FILES; roff) when there is one:
manpage.py BINARY SECTION OUTPUT.
(swift-argument-parser's generate-manual plugin would need the docc plugin's dependencies; the
--help text is the same source of truth.)"""
import os
import re
import subprocess
import sys


def help_text(binary, path):
    result = subprocess.run([binary, *path, "--help"], capture_output=True, text=True, timeout=60,
                            env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    return result.stdout


def subcommands(text):
    names, inside = [], False
    for line in text.splitlines():
        if line.startswith("SUBCOMMANDS:"):
            inside = True
            continue
        if inside:
            match = re.match(r"^  ([a-z][a-z0-9-]*)(\s|$)", line)
            if match and match.group(1) != "help":
                names.append(match.group(1))
            elif line and not line.startswith(" "):
                inside = False
    return names


def escape(text):
    lines = []
    for line in text.replace("\\", "\\e").splitlines():
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def main():
    binary, section, output = sys.argv[1], sys.argv[2], sys.argv[3]
    name = binary.rsplit("/", 1)[-1]
    top = help_text(binary, [])
    overview = re.search(r"OVERVIEW: (.*?)(\n\n|$)", top, re.S)
    summary = " ".join(overview.group(1).split()) if overview else name
    page = [f'.TH {name.upper()} {section} "" "depot" "depot manual"',
            ".SH NAME", f"{name} \\- {escape(summary)}",
            ".SH DESCRIPTION", ".nf", escape(top.strip()), ".fi"]
    queue = [[sub] for sub in subcommands(top)]
    if queue:
        page.append(".SH COMMANDS")
    while queue:
        path = queue.pop(0)
        text = help_text(binary, path)
        page += [f".SS {name} {' '.join(path)}", ".nf", escape(text.strip()), ".fi"]
        queue[0:0] = [path + [sub] for sub in subcommands(text)]
    extra = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "man", f"{name}.{section}.in")
    if os.path.exists(extra):
        with open(extra, encoding="utf-8") as f:
            page.append(f.read().rstrip("\n"))
    page += [".SH SEE ALSO", "depotd(8), depotctl(1), the depot documentation: docs/operations.md"]
    with open(output, "w") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()

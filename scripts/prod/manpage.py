#!/usr/bin/env python3
"""Writes a man page (roff, man(7)) for a swift-argument-parser command from its own --help
output, including every subcommand's help, then the hand-written sections of
docs/man/NAME.SECTION.in (EXAMPLES, EXIT STATUS, ENVIRONMENT, FILES; roff) when there is one:
manpage.py BINARY SECTION OUTPUT.
SYNOPSIS comes right after NAME: the .in file's own `.SH SYNOPSIS` section when it has one
(depotctl: its global options and COMMAND), else one `[--option value]` per option of --help
(depotd). DESCRIPTION is the --help text without its "OVERVIEW: " label and its USAGE lines;
each subcommand's section is its --help without the label.
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


def roff_option(text):
    return "\\fB" + text.replace("-", "\\-") + "\\fR"


def synopsis_from_options(name, text):
    """`.B name` and one `[--option value]` line per option of the OPTIONS block of --help."""
    lines, inside = [f".B {name}"], False
    for line in text.splitlines():
        if line.startswith("OPTIONS:"):
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            match = re.match(r"^  (?:-[A-Za-z], )?(--[a-z0-9-]+)(?: <([^>]+)>)?", line)
            if not match or match.group(1) in ("--help", "--version"):
                continue
            value = f" \\fI{match.group(2)}\\fR" if match.group(2) else ""
            lines.append(f"[{roff_option(match.group(1))}{value}]")
    lines += [".br", f".B {name}", roff_option("--version")]
    return "\n".join(lines)


def description(text, usage=False):
    """--help without the "OVERVIEW: " label; without the USAGE block (SYNOPSIS has the
    command's own) unless `usage` (a subcommand's section keeps its USAGE line)."""
    kept, skipping = [], False
    for line in text.strip().splitlines():
        if line.startswith("USAGE:") and not usage:
            skipping = True
            continue
        if skipping:
            # The block and the blank line after it.
            skipping = bool(line.strip())
            continue
        kept.append(line[len("OVERVIEW: "):] if line.startswith("OVERVIEW: ") else line)
    return "\n".join(kept).strip()


def split_section(text, title):
    """(the `.SH title` section of roff `text`, the rest); the section is "" when absent."""
    match = re.search(rf"^\.SH {title}\n.*?(?=^\.SH |\Z)", text, re.S | re.M)
    if not match:
        return "", text
    return match.group(0).rstrip("\n"), text[:match.start()] + text[match.end():]


def main():
    binary, section, output = sys.argv[1], sys.argv[2], sys.argv[3]
    name = binary.rsplit("/", 1)[-1]
    top = help_text(binary, [])
    overview = re.search(r"OVERVIEW: (.*?)(\n\n|$)", top, re.S)
    summary = " ".join(overview.group(1).split()) if overview else name
    extra = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "man", f"{name}.{section}.in")
    handwritten = ""
    if os.path.exists(extra):
        with open(extra, encoding="utf-8") as f:
            handwritten = f.read().rstrip("\n")
    synopsis, handwritten = split_section(handwritten, "SYNOPSIS")
    if not synopsis:
        synopsis = ".SH SYNOPSIS\n" + synopsis_from_options(name, top)
    page = [f'.TH {name.upper()} {section} "" "depot" "depot manual"',
            ".SH NAME", f"{name} \\- {escape(summary)}",
            synopsis,
            ".SH DESCRIPTION", ".nf", escape(description(top)), ".fi"]
    queue = [[sub] for sub in subcommands(top)]
    if queue:
        page.append(".SH COMMANDS")
    while queue:
        path = queue.pop(0)
        text = help_text(binary, path)
        page += [f".SS {name} {' '.join(path)}", ".nf", escape(description(text, usage=True)), ".fi"]
        queue[0:0] = [path + [sub] for sub in subcommands(text)]
    if handwritten.strip():
        page.append(handwritten.strip("\n"))
    page += [".SH SEE ALSO", "depotd(8), depotctl(1), the depot documentation: docs/operations.md"]
    with open(output, "w") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()

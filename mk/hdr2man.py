#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""libxtoe(3) from its one source, include/xtoe/xtoe.h: the header's opening
comment is the description; every declaration (functions, the event enum
and struct) with the comment above it is an entry. The page cannot drift
from the header.

  hdr2man.py HEADER VERSION > libxtoe.3
"""
import re
import sys


def roff(text):
    """Plain text into roff: escape backslashes, dashes and leading dots."""
    out = []
    for line in text.split("\n"):
        line = line.replace("\\", "\\e").replace("-", "\\-")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def comment_text(lines):
    """The words of a /* ... */ comment's lines, as paragraphs."""
    text = []
    for l in lines:
        l = re.sub(r"^\s*/\*+\s?|\s*\*+/\s*$", "", l)
        text.append(re.sub(r"^\s*\* ?", "", l).rstrip())
    paras = "\n".join(text).strip("\n")
    return [p for p in re.split(r"\n\s*\n", paras) if p.strip()]


def roff_paras(paras):
    return "\n.PP\n".join(roff(p) for p in paras)


def entries(lines):
    """(declaration lines, comment paragraphs) in order, after extern "C"."""
    comment, decl, depth, in_comment = [], [], 0, False
    for line in lines:
        s = line.strip()
        if in_comment or (not decl and s.startswith("/*")):
            comment = [] if not in_comment else comment
            comment.append(line)
            in_comment = "*/" not in s
            if not in_comment:
                comment = [comment_text(comment)]
            continue
        if not decl and (not s or s.startswith("#")):
            if s.startswith("#define") and comment:
                yield [s[len("#define"):].strip()], comment[0]
            comment = []
            continue
        if not decl and re.match(r"^struct \w+;$", s):
            continue
        decl.append(line.rstrip())
        depth += line.count("{") - line.count("}")
        if depth == 0 and s.endswith(";"):
            yield decl, comment[0] if comment else []
            decl, comment = [], []


def main():
    src = open(sys.argv[1]).read()
    version = sys.argv[2]
    lines = src.split("\n")
    first = next(i for i, l in enumerate(lines) if l.startswith("/*") and "SPDX" not in l)
    last = next(i for i in range(first, len(lines)) if "*/" in lines[i])
    desc = comment_text(lines[first:last + 1])
    desc[0] = re.sub(r"^libxtoe: [^\n]*\n*", "", desc[0])
    desc = [p for p in desc if p.strip()]
    body = lines[lines.index('extern "C" {') + 1:]
    body = body[:body.index("#ifdef __cplusplus")]
    print('.TH LIBXTOE 3 "" "xtoe %s" "xtoe manual"' % version)
    print(".SH NAME\nlibxtoe \\- the low-level application interface of xtoe")
    print(".SH SYNOPSIS\n.nf\n.B #include <xtoe/xtoe.h>\n.PP")
    print(".B cc app.c $(pkg\\-config \\-\\-cflags \\-\\-libs xtoe)\n.fi")
    print(".SH DESCRIPTION\n" + roff_paras(desc))
    print(".SH FUNCTIONS AND TYPES")
    for decl, comment in entries(body):
        if len(decl) == 1:
            print(".TP\n.B " + roff(re.sub(r"\s+", " ", decl[0].strip())))
        else:
            print(".TP\n.nf\n" + roff("\n".join(decl)) + "\n.fi")
        print(roff_paras(comment) if comment else "As above.")
    print(".SH ENVIRONMENT\n.TP\n.B XTOE_SOCK\nThe daemon's socket "
          "when xtoe_ctx_open() is given none.")
    print(".SH SEE ALSO\n.BR xtoed (8),\n.BR xtoe\\-run (1),\n.BR xtoectl (8)")


if __name__ == "__main__":
    main()

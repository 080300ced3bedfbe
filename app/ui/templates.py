"""Scripts a new project can start from (File › New from Template, the welcome page).

Each is a complete, valid script in the language of docs/script-format.md, short enough
to read at a glance; ``VOICE`` becomes the default voice from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.ui.project import NEW_SCRIPT


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    text: str


TEMPLATES: tuple[Template, ...] = (
    Template("Blank", "A title, one scene and one line for the narrator.", NEW_SCRIPT),
    Template(
        "Explainer",
        "A narrator walks through an idea in three scenes, with a generated picture.",
        """---
title: How it works
description: A short explainer in three steps.
characters:
  NARRATOR: { voice: VOICE }
---

# How it works

## The question

> visual: a single question mark glowing on a dark desk

Everyone has wondered how this works. Here it is in three steps.

## The idea

First, the idea in one sentence. Then an example that makes it concrete.

- The first thing to know
- The second thing to know
- The thing that ties them together

## The takeaway

So that is the whole trick. Try it yourself, and tell me what you find.
""",
    ),
    Template(
        "Terminal tutorial",
        "A command typed on screen while the narrator explains it.",
        """---
title: A command worth knowing
characters:
  NARRATOR: { voice: VOICE }
---

# A command worth knowing

## Try it

Open a terminal and type this. Watch what comes back.

```terminal
$ echo "hello, world"
hello, world
```

That is all it takes. Now change the words and run it again.
""",
    ),
    Template(
        "Conversation",
        "Two voices talking it through, with names shown as they speak.",
        """---
title: Two minds on one question
characters:
  NARRATOR: { voice: VOICE }
  ALEX: { voice: VOICE }
---

# Two minds on one question

## The question

NARRATOR: Alex has a question today.

ALEX: Why does this keep happening to me?

NARRATOR: Let us find out together, one step at a time.
""",
    ),
)
"""The templates in the order the welcome page lists them."""


def template(name: str) -> Template:
    for t in TEMPLATES:
        if t.name == name:
            return t
    raise KeyError(f"no template {name!r}; there are {', '.join(t.name for t in TEMPLATES)}")

"""The vocabulary's matchers: concept cues and patterns, as extraction reads them."""

from __future__ import annotations

import re

from gbakg.vocab import Concept


def test_a_concept_finds_every_match_of_each_cue_then_of_each_pattern():
    """Each cue's matches in order (two cues may match the same text), then each pattern's; cues are
    matched literally, whatever characters they hold."""
    concept = Concept("x", "x", ("互认", "互认机制", "a.b"), (re.compile(r"[0-9]+项"),))
    text = "推进互认机制，资格互认，a.b 与 axb，3项"
    found = [(m.group(0), m.start()) for m in concept.finditer(text)]
    assert found == [("互认", 2), ("互认", 9), ("互认机制", 2), ("a.b", 12), ("3项", 22)]
    assert list(concept.finditer("无关")) == []
    assert [m.group(0) for m in concept.finditer(text)] == [m.group(0) for m in concept.finditer(text)]  # reused

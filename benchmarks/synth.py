"""Write a synthetic corpus at N times the size of the real one, in the corpus's own formats.

For benchmarks only. Each unit of scale is three case batches (~17 cases each, alternately hard-wrapped
with blank lines and markdown with one paragraph a line), a news page with a relevant and an unrelated
article, and a work plan in Traditional script, plus their manifest entries. The text is recombined, not
copied: agencies come from the registry's aliases, places from the jurisdiction names and compact forms,
instruments from the instrument types' title endings, with random figures, qualifiers, units and dates
(seeded, so a scale always gives the same corpus). Each plan's section on platforms opens with one to
three items about a cooperation zone as a whole (打造横琴粤澳深度合作区), as the real plan's last three
are, which every measure of the zone carries out; its other items each name one action. About one case
in four carries a named initiative in its title (“湾区社保通”), made of a place's short name, a topic and
a service word, and its results name it again, as real cases do; batches repeat initiatives, so their
figures form a timeline (the query initiative-timeline).

Usage: python benchmarks/synth.py --scale 10 --out /tmp/corpus10
"""

from __future__ import annotations

import argparse
import hashlib
import random
from pathlib import Path

from gbakg.numerals import int_to_chinese
from gbakg.script import to_traditional
from gbakg.vocab import load_vocabulary

TOPICS = [
    "跨境信用",
    "职业资格",
    "商事调解",
    "碳标签",
    "医疗器械",
    "社保服务",
    "货物通关",
    "科研资金",
    "数据流动",
    "建筑工程",
    "法律服务",
    "青年创业",
    "车辆通行",
    "绿色金融",
    "中药标准",
    "公共交通",
    "政务服务",
    "教育合作",
]
ACTIONS = ["建立", "推动", "创新", "探索", "完善", "率先实施", "联合推进"]
CUES = ["互认", "结果互认", "等效先认", "共同制定", "一站式查验", "互联互通", "数据共享", "趋同", "跨境通办"]
STAMP = ".synth"  # in a written corpus: what wrote it (see stamp())
ZONE_VERBS = ["打造", "加快", "共同打造", "高水平建设"]
UNITS = ["家", "人次", "名", "项", "万元", "亿元", "个", "辆次", "%"]
QUALIFIERS = ["", "", "超", "近", "约", "累计"]
INITIATIVE_ENDINGS = ["通", "通办", "直通车", "一件事", "快线"]  # 湾区社保通, 琴澳政务通办 …
SUFFIX_Q = ["", "", "余", "多"]


def wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


class Writer:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        vocab = load_vocabulary()
        self.agencies = sorted(
            a
            for a in vocab.agency_alias
            if a.startswith(("省", "广东", "中国", "海关", "珠海", "广州", "深圳", "横琴", "前海"))
        )
        self.places = sorted(c for c, t in vocab.jurisdiction_cues.items() if t and len(c) >= 2)
        self.suffixes = sorted(vocab.instrument_types)
        self.zones = sorted(vocab.jurisdictions[z] for z in vocab.zones)  # full names: 横琴粤澳深度合作区 …
        # short names (湾区, 琴澳, 深港 …) for initiatives: a fixed few, so that batches share them
        short = sorted(c for c in self.places if len(c) == 2)
        self.initiatives = sorted(
            {f"{self.pick(short)}{self.pick(TOPICS)[:2]}{self.pick(INITIATIVE_ENDINGS)}" for _ in range(24)}
        )

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def date(self) -> str:
        y, m, d = self.rng.randint(2019, 2024), self.rng.randint(1, 12), self.rng.randint(1, 28)
        return self.pick([f"{y}年{m}月{d}日", f"{y} 年 {m} 月", f"{y}年底"])

    def figure(self) -> str:
        unit = self.pick(UNITS)
        value = (
            f"{self.rng.randint(1, 999)}"
            if self.rng.random() < 0.7
            else f"{self.rng.randint(1, 99)}.{self.rng.randint(1, 9)}"
        )
        return f"{self.pick(QUALIFIERS)}{value}{self.pick(SUFFIX_Q) if unit not in ('%',) else ''}{unit}"

    def instrument(self, topic: str) -> str:
        return f"《{self.pick(self.places)}{topic}{self.pick(self.suffixes)}》"

    def sentence(self, topic: str) -> str:
        return (
            f"{self.pick(ACTIONS)}{self.pick(self.places)}{topic}{self.pick(CUES)}机制，"
            f"{self.date()}印发{self.instrument(topic)}，已有{self.figure()}参与。"
        )

    def case(self, number: int) -> tuple[str, str, list[str], list[str]]:
        topic = self.pick(TOPICS)
        title = f"{self.pick(self.places)}{self.pick(ACTIONS)}{topic}{self.pick(CUES)}"
        initiative = self.pick(self.initiatives) if self.rng.random() < 0.25 else None
        if initiative:
            title = f"“{initiative}”{title}"
        units = [self.pick(self.agencies) for _ in range(self.rng.choice([1, 1, 1, 2, 3]))]
        intro = f"围绕{topic}，{self.sentence(topic)}"
        subs = "".join(
            f"{int_to_chinese(k)}是{self.sentence(self.pick(TOPICS))}" for k in range(1, self.rng.randint(2, 5))
        )
        served = f"“{initiative}”" if initiative else ""
        results = f"截至{self.date()}，{served}累计服务{self.figure()}，{self.sentence(topic)}"
        return title, "、".join(dict.fromkeys(units)), [intro + subs, results], [topic]

    def batch(self, batch: int, cases: int, markdown: bool) -> str:
        out: list[str] = []
        for n in range(1, cases + 1):
            title, units, paragraphs, _ = self.case(n)
            if markdown:
                out += [f"## 案例{int_to_chinese(n)}", "", f"案例名称：{title}", "", f"报送单位：{units}", ""]
                for p in paragraphs:
                    out += [p, ""]
            else:
                out += [f" 案例{int_to_chinese(n)}", "", f"案例名称：{title}", "", f"报送单位：{units}", ""]
                for p in paragraphs:
                    for line in wrap(p, 30):
                        out += [line, ""]
                if n % 4 == 0:
                    out += [f"— {n} —", ""]
        return "\n".join(out) + "\n"

    def news(self) -> str:
        lines = [
            " 粤港澳规则衔接再添新成果",
            "本报记者 王明",
            "",
            "近日，广东发布规则衔接机制对接典型案例，推动粤港澳合作。",
        ]
        for _ in range(self.rng.randint(6, 10)):
            topic = self.pick(TOPICS)
            lines += wrap(f"{self.pick(self.places)}与香港合作推进{topic}，{self.sentence(topic)}", 17)
        lines += [" 今年以来，某市旅游市场持续升温，", "游客数量同比增长三成。"]
        return "\n\n".join(lines) + "\n"

    def plan(self, year: int) -> str:
        sections = ["跨界基础设施建设", "科技创新合作", "现代服务业合作", "民生合作", "重点平台建设"]
        out = [f"# 实施粤港合作重点工作（{year}年）", ""]
        n = 0
        for k, name in enumerate(sections, start=1):
            out += [f"## {int_to_chinese(k)}、{name}", ""]
            if name == "重点平台建设":  # items about a zone as a whole, as the real plan's last three
                for zone in self.rng.sample(self.zones, self.rng.randint(1, 3)):
                    n += 1
                    topic = self.pick(TOPICS)
                    out += [f"{n}. {self.pick(ZONE_VERBS)}{zone}{self.pick(['', '建设'])}，深化{topic}合作。", ""]
            for _ in range(self.rng.randint(9, 13)):
                n += 1
                topic = self.pick(TOPICS)
                out += [
                    f"{n}. 推进{self.pick(self.places)}{topic}{self.pick(CUES)}，落实{self.instrument(topic)}。",
                    "",
                ]
        return to_traditional("\n".join(out)) + "\n"


def stamp(scale: int, seed: int = 1) -> str:
    """What a corpus was written by: its scale, its seed and this generator's own text (a corpus an
    older generator wrote differs in more than its seed)."""
    generator = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    return f"scale={scale} seed={seed} generator={generator}\n"


def is_current(out: Path, scale: int, seed: int = 1) -> bool:
    """Whether ``out`` holds the corpus this generator writes at this scale and seed."""
    marker = out / STAMP
    return marker.exists() and marker.read_text(encoding="utf-8") == stamp(scale, seed)


def write_corpus(out: Path, scale: int, seed: int = 1) -> Path:
    """Write the corpus (any documents already in ``out`` are replaced) and its stamp (:func:`stamp`)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.txt"), out / "manifest.toml", out / STAMP]:
        old.unlink(missing_ok=True)
    w = Writer(seed)
    manifest = []
    for unit in range(scale):
        for k in range(3):
            batch = unit * 3 + k + 1
            cases = w.rng.randint(16, 20)
            name = f"batch_{batch:04d}.txt"
            (out / name).write_text(w.batch(batch, cases, markdown=(k == 2)), encoding="utf-8")
            manifest.append(
                f'[[document]]\nfile = "{name}"\nkind = "case-batch"\nbatch = {batch}\n'
                f'title = "合成典型案例（第{batch}批）"\nlanguage = "zh-Hans"\ncases = {cases}\n'
            )
        news = f"news_{unit:04d}.txt"
        (out / news).write_text(w.news(), encoding="utf-8")
        manifest.append(
            f'[[document]]\nfile = "{news}"\nkind = "news"\nbatch = {unit * 3 + 3}\n'
            f'title = "合成新闻"\nlanguage = "zh-Hans"\n'
        )
        plan = f"plan_{unit:04d}.txt"
        (out / plan).write_text(w.plan(2020 + unit % 5), encoding="utf-8")
        manifest.append(
            f'[[document]]\nfile = "{plan}"\nkind = "work-plan"\nissued = 2020-10-30\nlanguage = "zh-Hant"\n'
        )
    (out / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    (out / STAMP).write_text(stamp(scale, seed), encoding="utf-8")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    path = write_corpus(Path(args.out), args.scale, args.seed)
    print(f"wrote a {args.scale}x synthetic corpus to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How clerks write names: the sandbox's ``name_variation="realistic"`` level.

At ``"none"`` every department writes a project's and a company's name as the model decided
it, give or take brackets and stray spaces (``_styled`` in scenario.py). At ``"realistic"``
each department's clerk writes each record's names independently, as clerks do — so two
departments' records of one project may carry different names, and the hub has to link
them anyway. ``NameWriter.record(department)`` starts one record; its ``project``,
``company`` and ``investor`` methods write the names and note what they did in ``kinds``
(``"<field>:<kind>"``, plus ``"traditional"`` for the whole record). The scenario keeps
those notes in ``GroundTruth.name_variations``.

The kinds, and how often each department does them (``_PROJECT_RATES``, ``_COMPANY_RATES``,
``_TRADITIONAL_RATES`` — per name written; commerce's clerks are the loosest, the approval
bureau's registered names the strictest):

- ``abbreviated``: part of the chain or project word dropped (海瑞新能源汽车产业园 →
  海瑞新能源产业园 / 海瑞汽车产业园 / 海瑞产业园 / 海瑞新能源汽车园区); a company's
  有限公司 → 公司, 股份有限公司 → 股份公司, 生物科技 → 生物; an investor's legal suffix
  cut (海瑞控股集团有限公司 → 海瑞控股集团).
- ``reordered``: a project's brand put last (新能源汽车产业园（海瑞）) or its chain put
  in brackets after the project word (海瑞产业园（新能源汽车）); a company's city moved
  between prefix and brackets (青岛海瑞科技有限公司 ↔ 海瑞科技（青岛）有限公司).
- ``qualifier``: a place added to a project (青岛 / 青岛市 / 山东 in front, （青岛） after
  the brand); a company's 青岛 dropped (海瑞科技有限公司) or 山东 put in front.
- ``brand_dropped``: the project's name without its brand (新能源汽车产业园项目). Never
  done to a company's name.
- ``phase_respelled``: a phase marker as 1期 / I期 / 第一期 / （一期） instead of 一期 (only
  a phased project's names carry one).
- ``typo``: one character replaced by a homophone an input method offers (海瑞 → 海锐),
  rarely.
- ``traditional``: the whole record in traditional characters (a fixed table of common
  characters: 島 業 產 項 發 園 設 區 華 …), about 5% of commerce and land records.
- ``romanized``: commerce's ``investor_name`` of a foreign-capital investor (外资: foreign,
  Hong Kong, Macao, Taiwan) in English with the brand in toneless pinyin ("Hairui Co.,
  Ltd.", "HAIRUI GROUP"), about a third of them. A fixed table covers the brand
  characters, so the sandbox needs no pinyin library.

Every draw comes from the writer's own ``random.Random(f"name-variation:{seed}")``, so the
level changes no other draw of the model.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Protocol

NAME_VARIATIONS = ("none", "realistic")
VARIATION_KINDS = (
    "abbreviated",
    "reordered",
    "qualifier",
    "brand_dropped",
    "phase_respelled",
    "typo",
    "traditional",
    "romanized",
)

_PROJECT_RATES = {
    "commerce": {
        "abbreviated": 0.15,
        "reordered": 0.06,
        "qualifier": 0.10,
        "brand_dropped": 0.06,
        "phase_respelled": 0.5,
        "typo": 0.01,
    },
    "land": {
        "abbreviated": 0.12,
        "reordered": 0.05,
        "qualifier": 0.08,
        "brand_dropped": 0.05,
        "phase_respelled": 0.35,
        "typo": 0.01,
    },
    "stats": {
        "abbreviated": 0.08,
        "reordered": 0.04,
        "qualifier": 0.06,
        "brand_dropped": 0.03,
        "phase_respelled": 0.4,
        "typo": 0.005,
    },
    "approval": {
        "abbreviated": 0.03,
        "reordered": 0.02,
        "qualifier": 0.15,
        "brand_dropped": 0.01,
        "phase_respelled": 0.25,
        "typo": 0.002,
    },
}
_COMPANY_RATES = {
    "commerce": {"qualifier": 0.10, "reordered": 0.08, "abbreviated": 0.06, "typo": 0.008},
    "land": {"qualifier": 0.08, "reordered": 0.06, "abbreviated": 0.05, "typo": 0.008},
    "stats": {"qualifier": 0.04, "reordered": 0.03, "abbreviated": 0.02, "typo": 0.004},
    "approval": {"qualifier": 0.01, "reordered": 0.01, "abbreviated": 0.005, "typo": 0.001},
}
_TRADITIONAL_RATES = {"commerce": 0.05, "land": 0.05, "stats": 0.02, "approval": 0.01}
_INVESTOR_ABBREVIATED = 0.12
_ROMANIZED = 0.35

# Shorter forms of a chain's name, as clerks write them; other chains keep a half.
_CHAIN_SHORT = {
    "智能家电": ("家电",),
    "轨道交通装备": ("轨道交通", "轨交装备", "轨交"),
    "新能源汽车": ("新能源", "汽车", "新能源车"),
    "船舶海工装备": ("船舶海工", "海工装备", "船舶"),
    "高端化工": ("化工",),
    "食品饮料": ("食品",),
    "纺织服装": ("服装", "纺织"),
    "集成电路": ("芯片", "集成"),
    "新型显示": ("显示",),
    "虚拟现实": ("VR",),
    "人工智能": ("AI", "智能"),
    "生物医药及医疗器械": ("生物医药", "医疗器械", "医药"),
    "智能制造装备": ("智能制造", "智造装备", "智造"),
    "新材料": ("材料",),
    "氢能与储能": ("氢能", "储能"),
    "航空航天": ("航空", "航天"),
    "节能环保": ("环保", "节能"),
    "现代金融": ("金融",),
    "现代物流": ("物流",),
    "现代商贸": ("商贸",),
    "文化旅游": ("文旅",),
    "软件和信息服务": ("软件", "信息服务", "软件信息"),
    "医养健康": ("医养", "康养"),
    "会展经济": ("会展",),
    "综合": ("",),
}
_WORD_SHORT = {
    "产业园": "园区",
    "生产基地": "基地",
    "研发中心": "研发基地",
    "总部基地": "总部",
    "智造园": "园区",
    "产业基地": "基地",
}
_CN_DIGITS = "〇一二三四五六七八九"
_ROMAN = ("", "I", "II", "III", "IV", "V")
_PROJECT_QUALIFIERS = (("青岛", 4), ("青岛市", 2), ("山东", 2), ("（青岛）", 3))
# Homophones an input method offers next to the intended character.
_TYPOS = {
    "海": "亥",
    "瑞": "锐",
    "华": "化",
    "恒": "横",
    "信": "新",
    "达": "大",
    "通": "同",
    "泰": "太",
    "鑫": "新",
    "盛": "胜",
    "源": "原",
    "博": "搏",
    "远": "元",
    "康": "抗",
    "宏": "洪",
    "宇": "雨",
    "嘉": "佳",
    "诚": "城",
    "峰": "锋",
    "晟": "胜",
    "润": "闰",
    "安": "按",
    "德": "得",
    "昌": "常",
    "隆": "龙",
    "丰": "风",
    "正": "政",
    "启": "起",
    "明": "名",
    "天": "田",
    "合": "和",
    "新": "心",
    "力": "立",
    "中": "钟",
    "科": "可",
    "创": "闯",
    "联": "连",
    "云": "运",
    "澜": "兰",
    "锦": "金",
    "汇": "会",
    "星": "兴",
    "辰": "晨",
    "凯": "恺",
    "捷": "杰",
    "园": "圆",
    "基": "机",
    "技": "计",
    "研": "言",
    "材": "才",
}
# Simplified → traditional for the characters that occur in the scenario's names.
_TRADITIONAL = str.maketrans(
    "岛业产项发园设区华兴达东广国际电车医药装备开团实锦汇凯联云澜润诚远丰启创总制轨饮纺织显"
    "虚拟现疗氢与储节环贸游软务养会经济综门湾资韩层时质观",
    "島業產項發園設區華興達東廣國際電車醫藥裝備開團實錦匯凱聯雲瀾潤誠遠豐啟創總製軌飲紡織顯"
    "虛擬現療氫與儲節環貿遊軟務養會經濟綜門灣資韓層時質觀",
)
# Toneless pinyin of every character a brand is made of (scenario._BRAND_CHARS).
_PINYIN = {
    "海": "hai",
    "瑞": "rui",
    "华": "hua",
    "恒": "heng",
    "信": "xin",
    "达": "da",
    "通": "tong",
    "泰": "tai",
    "鑫": "xin",
    "盛": "sheng",
    "源": "yuan",
    "博": "bo",
    "远": "yuan",
    "康": "kang",
    "宏": "hong",
    "宇": "yu",
    "嘉": "jia",
    "诚": "cheng",
    "峰": "feng",
    "晟": "sheng",
    "润": "run",
    "安": "an",
    "德": "de",
    "昌": "chang",
    "隆": "long",
    "丰": "feng",
    "正": "zheng",
    "启": "qi",
    "明": "ming",
    "天": "tian",
    "合": "he",
    "新": "xin",
    "力": "li",
    "中": "zhong",
    "科": "ke",
    "创": "chuang",
    "联": "lian",
    "云": "yun",
    "澜": "lan",
    "锦": "jin",
    "汇": "hui",
    "星": "xing",
    "辰": "chen",
    "凯": "kai",
    "捷": "jie",
}
# English forms of a foreign-capital investor's name, by origin ({p}: Hairui, {P}: HAIRUI).
_GENERIC_ROMAN = ("{p} Co., Ltd.", "{P} GROUP")
_ROMAN_FORMS = {
    "日本": ("{p} Corporation", "{P} CO., LTD."),
    "韩国": ("{P} CORPORATION", "{p} Co., Ltd."),
    "新加坡": ("{p} Pte. Ltd.", "{P} PTE LTD"),
    "德国": ("{p} GmbH", "{p} Group"),
    "美国": ("{p} Inc.", "{p} Corporation", "{P} INC"),
    "香港特别行政区": ("{p} (Hong Kong) Investment Limited", "{P} (HK) INVESTMENT LTD"),
    "澳门特别行政区": ("{p} (Macau) Development Limited", "{p} (Macao) Development Co., Ltd."),
    "台湾省": ("{p} Enterprise Co., Ltd.", "{P} ENTERPRISE CORP."),
}
_INVESTOR_SUFFIX_SHORT = (
    ("控股集团有限公司", ("控股集团", "控股", "集团")),
    ("集团有限公司", ("集团", "集团公司")),
    ("科技股份有限公司", ("科技", "股份", "科技公司")),
    ("实业有限公司", ("实业", "实业公司")),
    ("投资有限公司", ("投资", "投资公司")),
    ("发展有限公司", ("发展", "发展公司")),
    ("企业股份有限公司", ("企业", "股份")),
    ("株式会社", ("会社", "公司")),
    ("私人有限公司", ("有限公司", "公司")),
    ("集团", ("",)),
    ("公司", ("",)),
)
_COMPANY = re.compile(
    r"(?P<city>青岛)?(?P<core>.+?)(?P<bracket>（青岛）)?(?P<kind>(?:股份)?有限公司)"
)


@dataclass(frozen=True)
class Title:
    """A project's title as the model decided it: brand + chain + project word (+ phase)."""

    brand: str
    chain: str
    word: str
    phase: int | None = None

    def plain(self) -> str:
        return f"{self.brand}{self.chain}{self.word}{phase_marker(self.phase)}"


class InvestorLike(Protocol):
    brand: str
    name: str
    origin_country: str
    origin_province: str | None
    capital_type: str


def phase_marker(phase: int | None) -> str:
    """The usual spelling: 一期, 二期, …; empty without a phase."""
    return f"{_CN_DIGITS[phase]}期" if phase else ""


def romanized_brand(brand: str) -> str:
    """Toneless pinyin, first letter capitalised: 海瑞 → Hairui."""
    return "".join(_PINYIN[char] for char in brand).capitalize()


def to_traditional(text: str) -> str:
    return text.translate(_TRADITIONAL)


class NameWriter:
    """The clerks of every department; one instance per scenario."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"name-variation:{seed}")

    def record(self, department: str) -> RecordNames:
        """One record's names, written by ``department``'s clerk."""
        traditional = self.rng.random() < _TRADITIONAL_RATES[department]
        return RecordNames(self.rng, department, traditional)


@dataclass
class RecordNames:
    """Writes one record's names; ``kinds`` says which variations it made."""

    rng: random.Random
    department: str
    traditional: bool
    _kinds: list[str] = field(default_factory=list)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def _note(self, kind: str) -> None:
        if kind not in self._kinds:
            self._kinds.append(kind)

    def _finish(self, name: str) -> str:
        if self.traditional:
            converted = to_traditional(name)
            if converted != name:
                self._note("traditional")
            return converted
        return name

    def _typo(self, name: str, rate: float, label: str) -> str:
        if self.rng.random() >= rate:
            return name
        positions = [index for index, char in enumerate(name) if char in _TYPOS]
        if not positions:
            return name
        index = self.rng.choice(positions)
        self._note(f"{label}:typo")
        return name[:index] + _TYPOS[name[index]] + name[index + 1 :]

    def project(self, title: Title, suffix: str) -> str:
        """The project's name + ``suffix`` (项目, 建设项目, or nothing for a parcel)."""
        rng, rates = self.rng, _PROJECT_RATES[self.department]
        brand, chain, word = title.brand, title.chain, title.word
        if rng.random() < rates["abbreviated"]:
            chain, word = _abbreviate(chain, word, rng)
            self._note("project:abbreviated")
        layout = "plain"
        if rng.random() < rates["brand_dropped"]:
            brand = ""
            self._note("project:brand_dropped")
        elif rng.random() < rates["reordered"]:
            layout = "brand_last" if not chain or rng.random() < 0.6 else "chain_last"
            self._note("project:reordered")
        prefix = bracket = ""
        if rng.random() < rates["qualifier"]:
            values, weights = zip(*_PROJECT_QUALIFIERS, strict=True)
            qualifier = rng.choices(values, weights)[0]
            if qualifier.startswith("（"):
                if brand and layout != "brand_last":
                    bracket = qualifier
                else:
                    prefix = "青岛"
            else:
                prefix = qualifier
            self._note("project:qualifier")
        if layout == "brand_last":
            core = f"{prefix}{chain}{word}（{brand}）"
        elif layout == "chain_last":
            core = f"{prefix}{brand}{bracket}{word}（{chain}）"
        else:
            core = f"{prefix}{brand}{bracket}{chain}{word}"
        name = core + phase_marker(title.phase) + suffix
        if title.phase and rng.random() < rates["phase_respelled"]:
            marker = _respelled_phase(title.phase, rng)
            self._note("project:phase_respelled")
            if marker.startswith("（") and suffix and rng.random() < 0.3:
                name = core + suffix + marker
            else:
                name = core + marker + suffix
        name = self._typo(name, rates["typo"], "project")
        return self._finish(name)

    def company(self, name: str) -> str:
        """A company's name; its brand is always kept."""
        rng, rates = self.rng, _COMPANY_RATES[self.department]
        match = _COMPANY.fullmatch(name)
        if match:
            city, core, bracket, kind = match.group("city", "core", "bracket", "kind")
            placed = bool(city or bracket)
            if rng.random() < rates["qualifier"]:
                if placed and rng.random() < 0.7:
                    city = bracket = None
                else:
                    city = ("山东" + city) if city else "山东"
                self._note("company:qualifier")
            elif placed and rng.random() < rates["reordered"]:
                city, bracket = ("青岛", None) if bracket else (None, "（青岛）")
                self._note("company:reordered")
            if rng.random() < rates["abbreviated"]:
                if core.endswith("生物科技"):
                    core = core[:-2]
                elif kind == "股份有限公司":
                    kind = rng.choice(("股份公司", "有限公司"))
                else:
                    kind = "公司"
                self._note("company:abbreviated")
            name = f"{city or ''}{core}{bracket or ''}{kind}"
        name = self._typo(name, rates["typo"], "company")
        return self._finish(name)

    def investor(self, investor: InvestorLike) -> str:
        """Commerce's ``investor_name``: romanized for a foreign-capital investor, sometimes."""
        rng = self.rng
        if investor.capital_type == "外资" and rng.random() < _ROMANIZED:
            origin = (
                investor.origin_province
                if investor.origin_country == "中国"
                else investor.origin_country
            )
            form = rng.choice(_ROMAN_FORMS.get(origin or "", ()) + _GENERIC_ROMAN)
            pinyin = romanized_brand(investor.brand)
            self._note("investor:romanized")
            return form.format(p=pinyin, P=pinyin.upper())
        name = investor.name
        if rng.random() < _INVESTOR_ABBREVIATED:
            for ending, shorter in _INVESTOR_SUFFIX_SHORT:
                if name.endswith(ending) and len(name) > len(ending):
                    name = name[: -len(ending)] + rng.choice(shorter)
                    self._note("investor:abbreviated")
                    break
        return self._finish(name)


def _abbreviate(chain: str, word: str, rng: random.Random) -> tuple[str, str]:
    """Drop part of the chain (mostly), all of it, or part of the project word."""
    roll = rng.random()
    if roll < 0.15 and word in _WORD_SHORT:
        return chain, _WORD_SHORT[word]
    if roll < 0.3 and chain:
        return "", word
    shorter = _CHAIN_SHORT.get(chain)
    if shorter is None:
        shorter = (chain[:2], chain[-2:]) if len(chain) >= 4 else ("",)
    return rng.choice(shorter), word


def _respelled_phase(phase: int, rng: random.Random) -> str:
    cn = _CN_DIGITS[phase]
    roman = _ROMAN[phase] if phase < len(_ROMAN) else str(phase)
    return rng.choice((f"{phase}期", f"{roman}期", f"第{cn}期", f"（{cn}期）"))

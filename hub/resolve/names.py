"""Name keys: four departments' spellings of one project or company, made comparable.

``name_key(name)`` gives a ``NameKey``:

- ``text``: the identifying core — NFKC (full → half width), lower case, traditional →
  simplified, no spaces, punctuation or brackets; legal forms (有限公司, 株式会社, Co., Ltd.,
  GmbH…), place qualifiers (中国, 山东省, 青岛市, （青岛）, Qingdao, Japan…), the phase marker
  and a project's filler words (项目, 建设, 工程, 用地, 新建…) dropped.
- ``phase``: 一期 / 1期 / Ⅰ期 / 第一期 / 首期 / （一期）/ Phase I → 1, …; None without a marker.
- ``latin``: toneless pinyin of ``text`` (ascii letters and digits as they are), no spaces.
- ``block_key``: the brand's first two pinyin syllables, equal for 海瑞…, "Hairui", "Hai Rui".

``key_similarity`` (0–1) forgives abbreviations, reordered words, one-character typos and
homophones, and compares ``latin`` across scripts. Phase is not in it: ``phases_conflict``.

Judgement calls. Words that say *what is built* (产业园, 研发中心, 基地) stay: they tell a
company's sibling projects apart. Filler words go from project names only — in a company
name 建设/工程 is the trade (青岛海瑞建设有限公司 is a builder). A place stays when it is the
brand (青岛港, 青岛啤酒: only trade words follow it). Two different brands before the same
trade words (泰安… / 恒安…) score × 0.8. Pinyin is per character, no phrase context.

Speed, on the 2-vCPU dev machine while it was shared (load ≈ 3): ``name_key`` 17–23 µs per
new name (100k distinct names 1.7–2.3 s; cached: 0.4 µs) plus ≈ 0.25 s once for the tables;
``key_similarity`` 1–6 µs, ≈ 4 µs typical.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Indel

# --------------------------------------------------------------------------- vocabulary

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"

# Legal forms at the end of a Chinese name; several may stack (集团 + 有限公司).
_LEGAL_FORMS = (
    "股份有限公司", "有限责任公司", "私人有限公司", "有限公司", "股份公司", "集团公司",
    "总公司", "公司", "股份", "株式会社", "有限会社", "会社", "合伙企业", "有限合伙", "普通合伙",
    "企业集团", "企业", "集团",
)  # fmt: skip
_BRANCHES = ("分公司", "分厂", "办事处", "代表处")
# Places stripped bare or with their suffix; countries and regions of investors first.
_PLACES = (
    "中华人民共和国", "中国", "日本", "韩国", "朝鲜", "新加坡", "马来西亚", "泰国", "越南",
    "印度尼西亚", "印度", "德国", "美国", "英国", "法国", "意大利", "西班牙", "荷兰", "比利时",
    "瑞士", "瑞典", "丹麦", "挪威", "芬兰", "奥地利", "加拿大", "澳大利亚", "新西兰", "以色列",
    "俄罗斯", "香港", "澳门", "台湾",
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "内蒙古", "广西", "西藏", "宁夏", "新疆",
    "石家庄", "太原", "沈阳", "大连", "长春", "哈尔滨", "南京", "苏州", "无锡", "杭州", "宁波",
    "合肥", "福州", "厦门", "南昌", "郑州", "武汉", "长沙", "广州", "深圳", "汕头", "东莞",
    "佛山", "南宁", "海口", "成都", "贵阳", "昆明", "西安", "兰州", "乌鲁木齐",
    "济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "威海", "日照", "临沂",
    "德州", "聊城", "滨州", "菏泽",
)  # fmt: skip
# Stripped only with their suffix: bare, they are brands too (崂山矿泉水, 泰安, 即墨老酒).
_SUFFIXED_PLACES = (
    "泰安", "市南", "市北", "黄岛", "崂山", "李沧", "城阳", "即墨", "胶州", "平度", "莱西",
    "青岛西海岸", "西海岸", "青岛市南", "青岛市北",  # 青岛市南区 is not 青岛市 + 南区
)  # fmt: skip
_PLACE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市",
                   "新区", "区", "县")  # fmt: skip
# A place followed by nothing but these is the brand itself (青岛港, 山东高速, 中国银行).
_TRADES = (
    "科技", "技术", "实业", "投资", "控股", "发展", "置业", "地产", "房地产", "建设", "建筑",
    "建工", "工程", "能源", "新能源", "电力", "电子", "电气", "机械", "装备", "制造", "智造",
    "汽车", "化工", "医药", "生物", "食品", "啤酒", "港", "港口", "机场", "国际机场", "高速",
    "铁路", "地铁", "交通", "银行", "证券", "保险", "信托", "城投", "国际", "贸易", "商贸",
    "物流", "钢铁", "纺织", "材料", "新材料", "产业", "信息", "网络", "软件", "环保",
    "水务", "燃气", "热力", "文化", "旅游", "传媒", "农业", "海洋", "金融", "资本", "资产",
    "管理", "服务", "航空", "石油", "石化", "大学", "学院", "医院", "中学", "小学",
)  # fmt: skip
# A project's filler: how it is filed, not what it is. Never 扩建/技改: that is a new project.
_FILLER_TAIL = ("项目", "建设", "工程", "用地", "项目用地", "建设项目")
_FILLER_HEAD = ("新建", "拟建", "在建")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LATIN_LEGAL = _words(
    "co company corp corporation inc incorporated ltd limited llc llp lp plc gmbh mbh ag kg "
    "sa sas sarl srl spa bv nv pte pty sdn bhd kk kabushiki kaisha jsc group branch "
    "enterprise enterprises"
)
_LATIN_PLACES = _words(
    "china prc chinese japan korea singapore germany usa america uk britain france italy "
    "netherlands switzerland sweden canada australia hongkong hk macau macao taiwan "
    "qingdao tsingtao shandong beijing shanghai shenzhen"
)
_LATIN_FILLER = _words("project projects the")
_LATIN_TRADES = _words(
    "port airport bank beer brewery technology tech industry industrial investment "
    "development holdings international trading energy power electric steel chemical "
    "pharmaceutical motor motors automotive university hospital airlines railway"
)

# One thing, two common spellings: the short one is kept (海瑞VR产业园 = 海瑞虚拟现实产业园).
_SAME_WORDS = (("虚拟现实", "vr"), ("人工智能", "ai"), ("集成电路", "芯片"))

# English trade words as Chinese names say them (海瑞科技 = Hairui Technology), so latin and
# Chinese spellings of a company meet; only words that translate one way.
_GLOSSARY = {
    "technology": "keji", "technologies": "keji", "tech": "keji", "new energy": "xinnengyuan",
    "energy": "nengyuan", "new material": "xincailiao", "new materials": "xincailiao",
    "material": "cailiao", "materials": "cailiao", "investment": "touzi", "holding": "konggu",
    "holdings": "konggu", "industrial": "shiye", "industrial park": "chanyeyuan",
    "industry": "chanye", "development": "fazhan", "electronic": "dianzi",
    "electronics": "dianzi", "biotech": "shengwukeji", "biotechnology": "shengwukeji",
    "pharmaceutical": "yiyao", "equipment": "zhuangbei", "trading": "maoyi",
    "international": "guoji", "logistics": "wuliu", "automotive": "qiche",
    "research and development center": "yanfazhongxin",
    "research and development centre": "yanfazhongxin",
}  # fmt: skip
_GLOSSARY_RE = re.compile(rf"\b(?:{'|'.join(sorted(_GLOSSARY, key=len, reverse=True))})\b")

# Readings pypinyin puts first that are rarer in names (长城, 厦门, 银行; 晟 as brands say it).
_PINYIN_FIXES = {"长": "chang", "厦": "xia", "行": "hang", "晟": "sheng"}
_SYLLABLES = _words(
    "a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai "
    "can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua "
    "chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de "
    "dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa "
    "fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai "
    "guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan "
    "huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai "
    "kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang "
    "lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lue lun luo "
    "lv lve ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai "
    "nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nue "
    "nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi "
    "qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri "
    "rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao "
    "she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su "
    "suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui "
    "tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu "
    "xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan "
    "zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu "
    "zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo"
)


def _alternation(words, reverse: bool = False) -> str:
    """``a|b|…``, longest first (有限公司 before 公司); reversed words for tail patterns."""
    words = sorted((w[::-1] if reverse else w for w in words), key=len, reverse=True)
    return "(?:" + "|".join(words) + ")"


def _place(reverse: bool = False) -> str:
    places, suffixed, suffix = (
        _alternation(words, reverse) for words in (_PLACES, _SUFFIXED_PLACES, _PLACE_SUFFIXES)
    )
    if reverse:
        return f"(?:{suffix}{suffixed}|{suffix}?{places})"
    return f"(?:{suffixed}{suffix}|{places}{suffix}?)"


# What ends a name is matched on the reversed name: a pattern anchored at the end ($) is
# tried at every position, ~10 µs a name; a match at the start of the reverse, <1 µs.
_PLACE_HEAD = re.compile(_place())
_PLACES_HEAD = re.compile(f"{_place()}+")
_PLACE_TAIL = re.compile(_place(reverse=True))
_COMPANY_TAIL = (
    rf"{_alternation(_BRANCHES, True)}{_place(True)}*|{_alternation(_LEGAL_FORMS, True)}"
)
_LEGAL_TAIL = re.compile(rf"(?:{_COMPANY_TAIL})+")
_PROJECT_TAIL = re.compile(rf"(?:{_alternation(_FILLER_TAIL, True)}|{_COMPANY_TAIL})+")
_FILLER_HEAD_RE = re.compile(rf"{_alternation(_FILLER_HEAD)}+")
_TRADES_ONLY = re.compile(rf"{_alternation(_TRADES)}*")
# Bracketed qualifiers that say nothing about identity: （青岛）, (集团), （筹）, (原…).
_DROPPED_BRACKET = re.compile(
    rf"(?:{_place()}|集团|筹|筹建|筹备|有限合伙|普通合伙|"
    rf"{'|'.join(sorted(_LATIN_PLACES | _LATIN_LEGAL, key=len, reverse=True))})*|原.*"
)
_BRACKET = re.compile(r"[(\[{【〔〈《「『]([^()\[\]{}【】〔〕〈〉《》「」『』]*)[)\]}】〕〉》」』]")
_SPACE_DOT_COMMA = re.compile(r"[\s.,]")
_DOTTED = re.compile(r"(?<![a-z0-9])(?:[a-z]\.){2,}")  # s.a. / k.k. / u.s.a. → one word
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")

_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}  # fmt: skip
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
          "x": 10}  # fmt: skip
_ENGLISH = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "first": 1, "second": 2,
            "third": 3}  # fmt: skip
# Found from the 期 / 阶段 backwards, on the reversed name (as tails are, see above);
# not before 货/刊/限…: 统一期货 is a company, not phase 1 of 统一.
_PHASE_ZH = re.compile(
    r"(?:期(?<![货刊间限权望待盼]期)|段阶)\s*(?:(?P<zh>[一二两三四五六七八九十]{1,3})"
    rf"|(?P<num>[0-9]{{1,2}})(?![0-9])|(?P<roman>{_alternation(_ROMAN, True)})(?![a-z]))"
    r"(?:\s*第)?|期首"
)
_PHASE_EN = re.compile(
    r"(?<![a-z])(?:phase|stage)\s*[-_.:#]?\s*"
    rf"(?P<en>[0-9]{{1,2}}|{_alternation(_ROMAN)}|{_alternation(_ENGLISH)})(?![a-z0-9])"
)


# --------------------------------------------------------------------------- tables


@lru_cache(maxsize=1)
def _to_simplified() -> tuple[dict[int, str], frozenset[str]]:
    """Character table from zhconv's MediaWiki data: ``str.translate`` is ~50× faster than
    ``zhconv.convert``'s phrase matching, and a key needs no phrase-level accuracy (both
    sides are converted alike). Read by path: importing zhconv pulls in pkg_resources."""
    spec = importlib.util.find_spec("zhconv")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("zhconv is required for traditional → simplified names")
    data = json.loads((Path(spec.origin).parent / "zhcdict.json").read_text("utf-8"))
    table: dict[int, str] = {}
    for part in ("zh2Hans", "zh2CN"):
        table.update({ord(k): v for k, v in data[part].items() if len(k) == 1})
    return table, frozenset(map(chr, table))


# code point → its ascii form, learnt on first sight: a name then costs one ``translate``
# (pypinyin's own call is ~15 µs a character; a dict subclass with __missing__ makes
# ``translate`` twice as slow as a plain dict).
_LATIN: dict[int, str] = {}


def _ascii(text: str) -> str:
    """Toneless pinyin for CJK, letters and digits as they are, é → e, anything else gone."""
    out = text.translate(_LATIN)
    if out.isascii():  # every character was known (unknown ones pass through unchanged)
        return out
    for char in set(text):
        if ord(char) not in _LATIN:
            _LATIN[ord(char)] = _ascii_of(char)
    return text.translate(_LATIN)


def _ascii_of(char: str) -> str:
    if char.isascii():
        return char if char.isalnum() else ""
    if _is_cjk(char):
        from pypinyin import Style, lazy_pinyin

        value = _PINYIN_FIXES.get(char) or lazy_pinyin(char, style=Style.NORMAL)[0]
        return value if value.isascii() and value.isalpha() else ""
    value = "".join(c for c in unicodedata.normalize("NFKD", char) if c.isascii())
    return value if value.isalnum() else ""  # kana, hangul → nothing


def _is_cjk(char: str) -> bool:
    """In ``_CJK`` (comparisons: a regex call costs more than the whole test)."""
    return (
        "\u4e00" <= char <= "\u9fff"
        or "\u3400" <= char <= "\u4dbf"
        or "\uf900" <= char <= "\ufaff"
        or "\U00020000" <= char <= "\U0002ebef"
        or char == "\u3007"
    )


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class NameKey:
    text: str  # the identifying core; equals ``latin`` exactly when the name has no CJK
    phase: int | None  # 一期 → 1 …; None without a marker
    latin: str  # toneless pinyin / ascii letters and digits of ``text``
    block_key: str  # the brand's first two pinyin syllables (or first latin word)


_EMPTY = NameKey("", None, "", "")
_NUMBERING = "0-9a-z一二三四五六七八九十"
# Which plot of a project's land (二号地块, a地块) says nothing of which project it is.
_PLOT = re.compile(rf"[(]?(?:第?[{_NUMBERING}]+号?)?地块[{_NUMBERING}]*[)]?")


@lru_cache(maxsize=1 << 18)
def name_key(name: str | None) -> NameKey:
    """The comparable form of a project or company name.

    >>> name_key("青島海瑞新能源汽車產業園（二期）建設項目")
    NameKey(text='海瑞新能源汽车产业园', phase=2, latin='hairuixinnengyuanqichechanyeyuan', block_key='hairui')
    """  # noqa: E501
    if not name:
        return _EMPTY
    # Full-width brackets and spaces by hand: NFKC of a name with one costs ~2 µs, without 0.1.
    text = name.replace("（", "(").replace("）", ")").replace("\u3000", " ")
    text = unicodedata.normalize("NFKC", text).lower()
    simplify, traditional = _to_simplified()
    if not traditional.isdisjoint(text):  # most names are simplified: skip the lookups
        text = text.translate(simplify)
    phase, text = _take_phase(text)
    if "地块" in text:
        text = _PLOT.sub("", text)
    for long, short in _SAME_WORDS:
        if long in text:
            text = text.replace(long, short)
    if "." in text:
        text = _DOTTED.sub(lambda m: m.group().replace(".", ""), text)
    text = _BRACKET.sub(_bracket, text.replace("hong kong", "hongkong"))
    tokens = _TOKEN.findall(text)
    if not tokens:
        return NameKey("", phase, "", "")
    cjk = [_is_cjk(t[0]) for t in tokens]
    if any(cjk):
        core = _chinese_core("".join(tokens if all(cjk) else _latin_words(tokens)))
        return NameKey(core, phase, _ascii(core), _chinese_block(core))
    kept = _latin_words(tokens)
    glossed = _GLOSSARY_RE.sub(lambda m: _GLOSSARY[m.group()], " ".join(kept)).split()
    words = [_ascii(w) for w in glossed]
    latin = "".join(words)
    if not latin:  # kana or hangul only: compare the text itself
        return NameKey("".join(kept), phase, "", "")
    return NameKey(latin, phase, latin, _latin_block([w for w in words if w]))


def _take_phase(text: str) -> tuple[int | None, str]:
    """The first phase marker's number; every marker is cut from the text."""
    found: list[tuple[int, int, int]] = []  # start, end, phase
    if "期" in text or "阶段" in text:
        size = len(text)
        for match in _PHASE_ZH.finditer(text[::-1]):
            zh, num, roman = (g and g[::-1] for g in match.group("zh", "num", "roman"))
            if zh:
                number = _zh_number(zh)
            elif num or roman:
                number = int(num) if num else _ROMAN[roman]
            else:
                number = 1  # 首期
            if number:
                found.append((size - match.end(), size - match.start(), number))
    if "phase" in text or "stage" in text:
        for match in _PHASE_EN.finditer(text):
            word = match.group("en")
            number = int(word) if word.isdigit() else _ROMAN.get(word) or _ENGLISH[word]
            if number:
                found.append((match.start(), match.end(), number))
    if not found:
        return None, text
    found.sort()
    spans = [found[0][:2]]
    for start, end, _ in found[1:]:
        if start < spans[-1][1]:  # overlapping spellings of one marker (phase 2期)
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    for start, end in reversed(spans):
        text = f"{text[:start]} {text[end:]}"
    return found[0][2], text


def _zh_number(numeral: str) -> int | None:
    """一 … 九十九; anything else (一二期 = phases one and two) is no single phase."""
    tens, _, units = numeral.partition("十")
    if "十" not in numeral:
        return _ZH_DIGITS.get(numeral) if len(numeral) == 1 else None
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    return (_ZH_DIGITS.get(tens, 0) if tens else 1) * 10 + (_ZH_DIGITS.get(units, 0))


def _bracket(match: re.Match) -> str:
    inner = match.group(1)
    return " " if _says_nothing(inner) else f" {inner} "


@lru_cache(maxsize=4096)  # a few bracket contents recur: （青岛）, （集团）, (Qingdao)…
def _says_nothing(inner: str) -> bool:
    return _DROPPED_BRACKET.fullmatch(_SPACE_DOT_COMMA.sub("", inner)) is not None


def _latin_words(tokens: list[str]) -> list[str]:
    """Drop latin legal forms, filler and places — places only while something other than
    trade words remains (Qingdao Port keeps Qingdao). CJK tokens pass through."""
    kept = [t for t in tokens if t not in _LATIN_LEGAL and t not in _LATIN_FILLER]
    rest = [t for t in kept if t not in _LATIN_PLACES]
    if any(t not in _LATIN_TRADES for t in rest):
        kept = rest
    return kept


def _chinese_core(core: str) -> str:
    """``core`` without its legal form or filler and its places; tails are matched on the
    reversed name (see ``_PLACE_TAIL``), and ``core[start:end]`` is what is left."""
    rev, size = core[::-1], len(core)
    start, end = 0, size
    tail = _LEGAL_TAIL.match(rev)
    if tail and tail.end() < size:  # a company: 建设/工程 before its legal form are its trade
        end = size - tail.end()
    else:  # a project: its filler goes, with a company form hiding behind it (…公司项目)
        tail = _PROJECT_TAIL.match(rev)
        if tail and tail.end() < size:
            end = size - tail.end()
        head = _FILLER_HEAD_RE.match(core, 0, end)
        if head and head.end() < end:
            start = head.end()
    places = _PLACES_HEAD.match(core, start, end)
    if places and _still_a_name(core[places.end() : end]):
        start = places.end()
    else:  # 中国青岛港: drop 中国, keep 青岛 — one place at a time
        while (place := _PLACE_HEAD.match(core, start, end)) and _still_a_name(
            core[place.end() : end]
        ):
            start = place.end()
    place = _PLACE_TAIL.match(rev, size - end, size - start)
    if place and _still_a_name(core[start : size - place.end()]):
        end = size - place.end()
    return core[start:end]


def _still_a_name(rest: str) -> bool:
    return len(rest) >= 2 and not _TRADES_ONLY.fullmatch(rest)


def _chinese_block(core: str) -> str:
    if not core or _is_cjk(core[0]):
        return _ascii(core[:2])
    lead = _TOKEN.match(core)  # TCL科技: the latin brand is the key
    return _latin_block([_ascii(lead.group())]) if lead else ""


def _latin_block(words: list[str]) -> str:
    """First two pinyin syllables across the first words (Hai Rui = Hairui); a first word
    that is not pinyin (Siemens, TCL) is the key by itself, cut to 8 letters."""
    syllables: list[str] = []
    for word in words:
        parsed = _syllables(word)
        if parsed is None:
            return word[:8] if not syllables else "".join(syllables)
        syllables.extend(parsed)
        if len(syllables) >= 2:
            break
    return "".join(syllables[:2])


@lru_cache(maxsize=1 << 14)
def _syllables(word: str) -> tuple[str, ...] | None:
    """``word`` split into pinyin syllables, longest first with backtracking; None if it
    is not pinyin."""
    if not word:
        return ()
    # From the end, not by recursion: a name of a thousand-odd pinyin letters (within the
    # contracts' 2,000 characters) recursed as deep and raised RecursionError in name_key.
    # after[i]: where the syllable starting at i ends in the split of word[i:] (the same
    # choice as before: the longest syllable whose rest splits), 0 when word[i:] does not.
    length = len(word)
    after = [0] * length + [length]
    for start in range(length - 1, -1, -1):
        for size in range(min(6, length - start), 0, -1):
            if after[start + size] and word[start : start + size] in _SYLLABLES:
                after[start] = start + size
                break
    if not after[0]:
        return None
    syllables, start = [], 0
    while start < length:
        syllables.append(word[start : after[start]])
        start = after[start]
    return tuple(syllables)


# --------------------------------------------------------------------------- similarity

BRAND_MISMATCH = 0.8  # factor on a pair whose brands (block keys) do not both appear


def key_similarity(a: NameKey, b: NameKey) -> float:
    """0–1 likeness of two keys; phase plays no part (see ``phases_conflict``)."""
    if not a.text or not b.text:
        return 0.0
    if a.text == b.text:
        return 1.0
    latin = a.text == a.latin
    if latin == (b.text == b.latin):
        if a.latin == b.latin and a.latin:  # 海瑞 / 海睿: a pinyin input method's slip
            return max(_similarity(a.text, b.text, latin)[0], 0.9)
        score, omitted = _similarity(a.text, b.text, latin)
    elif not a.latin or not b.latin:
        return 0.0
    elif a.latin == b.latin:  # 海瑞 / Hairui: pinyin loses tones, so not quite certain
        return 0.95
    else:
        score, omitted = _similarity(a.latin, b.latin, latin=True)
    # Two brands (泰安… vs 恒安…, the same trade words after them) are far more often two
    # companies than a clerk's slip in the most visible part of a name. A brand left out
    # (新能源汽车产业园 for 海瑞新能源汽车产业园) is not another brand.
    if not omitted and (a.block_key not in b.latin or b.block_key not in a.latin):
        return score * BRAND_MISMATCH
    return score


def _similarity(x: str, y: str, latin: bool) -> tuple[float, bool]:
    """The score, and whether the shorter string is the longer with characters left out."""
    if len(x) > len(y):
        x, y = y, x
    short, total = len(x), len(x) + len(y)
    distance = Indel.distance(x, y)
    if distance == total:
        return 0.0, False
    omitted = distance == len(y) - short
    score = 1.0 - distance / total
    cover = short / len(y)
    # An abbreviation: the shorter name's characters, in order, within the longer's. In
    # Chinese keep the head (the brand); in pinyin letters only a contiguous run counts.
    if latin:
        if short >= 4 and x in y:
            score = max(score, 0.55 + 0.45 * cover)
    elif omitted and short >= 2 and x[0] == y[0]:
        score = max(score, 0.55 + 0.45 * cover)
    # Reordered words: nearly the same characters in another order; in Chinese also all of
    # a shorter name's characters in another order (产业园（海瑞） for 海瑞新能源汽车产业园).
    if score < 0.9 and short >= (6 if latin else 3):
        unordered = Indel.distance("".join(sorted(x)), "".join(sorted(y)))
        if cover >= 0.8 and unordered <= 0.15 * total:
            score = max(score, 0.95 * (1.0 - unordered / total))
        if not latin and short >= 4 and unordered == len(y) - short:
            score = max(score, 0.5 + 0.45 * cover)
    return score, omitted


def phases_conflict(a: NameKey, b: NameKey) -> bool:
    """Both names carry a phase marker and the phases differ (一期 vs 二期)."""
    return a.phase is not None and b.phase is not None and a.phase != b.phase


def name_similarity(left: str | None, right: str | None) -> float:
    """0–1 similarity of two names as written (``key_similarity`` of their keys)."""
    return key_similarity(name_key(left), name_key(right))


# --------------------------------------------------------------------------- display form

_SPACES = re.compile(r"\s+")
# Longest first: "股份有限公司" must not leave "股份" behind after "有限公司" is cut.
LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")


def normalize_name(name: str | None) -> str:
    """Full-width → half-width (NFKC), no spaces, brackets unified, legal suffix dropped.

    A light, readable form; matching uses ``name_key``.

    >>> normalize_name("国药生命港（青岛） 有限公司")
    '国药生命港(青岛)'
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)
    text = _SPACES.sub("", text)
    for suffix in LEGAL_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    return text

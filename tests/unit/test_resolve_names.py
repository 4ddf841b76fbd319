"""Name keys for entity resolution: each way departments write one name, and what must stay
apart (phases, sibling projects, other brands)."""

import pytest

from hub.resolve.names import (
    NameKey,
    key_similarity,
    name_key,
    name_similarity,
    normalize_name,
    phases_conflict,
)

PARK = "海瑞新能源汽车产业园"


def text(name):
    return name_key(name).text


# ---------------------------------------------------------------- what a key keeps


def test_empty_names_give_the_empty_key():
    assert name_key(None) == name_key("") == NameKey("", None, "", "")
    assert name_key("（  ）") == NameKey("", None, "", "")
    assert name_similarity(None, PARK) == name_similarity(PARK, "") == 0.0
    assert name_similarity(None, None) == 0.0


def test_full_and_half_width_are_one():
    assert name_key("海瑞科技（青岛）有限公司") == name_key("海瑞科技(青岛)有限公司")
    assert name_key("ＨＡＩＲＵＩ　Ｃｏ．，Ｌｔｄ．") == name_key("Hairui Co., Ltd.")
    assert name_key("海瑞新能源汽车产业园２期").phase == 2


@pytest.mark.parametrize(
    "name",
    [
        "海瑞科技 有限公司",
        " 海瑞 科技有限公司 ",
        "【海瑞科技】有限公司",
        "海瑞·科技有限公司",
        "「海瑞科技」",
    ],
)
def test_spaces_punctuation_and_brackets_go(name):
    assert text(name) == "海瑞科技"


@pytest.mark.parametrize(
    "name",
    [
        "海瑞科技股份有限公司",
        "海瑞科技有限责任公司",
        "海瑞科技有限公司",
        "海瑞科技集团有限公司",
        "海瑞科技集团股份有限公司",
        "海瑞科技（集团）有限公司",
        "海瑞科技公司",
        "海瑞科技株式会社",
        "海瑞科技私人有限公司",
        "海瑞科技合伙企业（有限合伙）",
        "海瑞科技有限公司（筹）",
        "海瑞科技有限公司青岛分公司",
    ],
)
def test_legal_forms_go(name):
    assert text(name) == "海瑞科技"


@pytest.mark.parametrize(
    "name",
    ["Hairui Co., Ltd.", "HAIRUI INC.", "Hairui GmbH", "Hairui Corporation", "Hairui Limited",
     "Hairui Pte. Ltd.", "Hairui K.K.", "Hairui S.A."],
)  # fmt: skip
def test_latin_legal_forms_go(name):
    assert text(name) == "hairui"


@pytest.mark.parametrize(
    "name",
    [
        "海瑞科技（青岛）有限公司",
        "青岛海瑞科技有限公司",
        "青岛市海瑞科技有限公司",
        "山东海瑞科技有限公司",
        "山东省青岛市崂山区海瑞科技有限公司",
        "青岛市南区海瑞科技有限公司",  # 市南区, not 青岛市 + 南区
        "中国海瑞科技有限公司",
        "海瑞科技（中国）有限公司",
        "海瑞科技(Qingdao)有限公司",
        "青岛西海岸新区海瑞科技有限公司",
    ],
)
def test_place_qualifiers_go(name):
    assert text(name) == "海瑞科技"


@pytest.mark.parametrize("name", ["Hairui (Qingdao) Co., Ltd.", "Qingdao Hairui Co., Ltd.",
                                  "HAIRUI JAPAN", "Hairui China Limited"])  # fmt: skip
def test_latin_place_qualifiers_go(name):
    assert text(name) == "hairui"


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("青岛港（集团）有限公司", "青岛港"),  # nothing but a trade word after the place
        ("青岛啤酒股份有限公司", "青岛啤酒"),
        ("山东高速集团有限公司", "山东高速"),
        ("中国青岛港", "青岛港"),  # the outer place still goes
        ("崂山矿泉水有限公司", "崂山矿泉水"),  # a district only goes with its 区
        ("Qingdao Port", "qingdaoport"),
    ],
)
def test_a_place_that_is_the_brand_stays(name, kept):
    assert text(name) == kept


def test_places_as_brands_do_not_collide():
    assert name_similarity("青岛港", "日照港") < 0.5
    assert name_similarity("青岛啤酒", "崂山啤酒") < 0.5


@pytest.mark.parametrize(
    "name",
    [
        f"{PARK}项目",
        f"{PARK}建设项目",
        f"{PARK}工程",
        f"{PARK}项目用地",
        f"新建{PARK}项目",
        f"青岛{PARK}建设项目",
    ],
)
def test_a_projects_filler_words_go(name):
    assert text(name) == PARK


def test_a_company_keeps_its_trade_and_a_project_its_object():
    # 建设 in a company name is what it does: a builder is not the brand's holding company.
    assert text("青岛海瑞建设有限公司") == "海瑞建设"
    assert text("海瑞建设工程有限公司") == "海瑞建设工程"
    # What is built tells a company's projects apart.
    assert text("海瑞新能源汽车研发中心项目") == "海瑞新能源汽车研发中心"
    assert name_similarity(f"{PARK}项目", "海瑞新能源汽车研发中心项目") < 0.72
    assert name_similarity("海瑞新能源产业园", "海瑞新能源研发中心") < 0.72


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("青島海瑞科技有限公司", "青岛海瑞科技有限公司"),
        ("海瑞新能源汽車產業園項目", "海瑞新能源汽车产业园项目"),
        ("海瑞發展（青島）有限責任公司", "海瑞发展（青岛）有限责任公司"),
        ("日本海瑞株式會社", "日本海瑞株式会社"),
    ],
)
def test_traditional_characters_are_simplified(traditional, simplified):
    assert name_key(traditional) == name_key(simplified)
    assert name_similarity(traditional, simplified) == 1.0


# ---------------------------------------------------------------- across scripts


def test_pinyin_is_toneless_ascii_per_character():
    key = name_key("青岛海瑞新能源汽车产业园")
    assert key.latin == "hairuixinnengyuanqichechanyeyuan"
    assert name_key("绿色长城").latin == "lvsechangcheng"  # ü as v; 长 as in names
    assert name_key("Société Hairui").latin == "societehairui"


@pytest.mark.parametrize(
    "name",
    ["日本海瑞株式会社", "Hairui Co., Ltd.", "HAIRUI JAPAN", "Hai Rui", "hairui",
     "海瑞科技（青岛）有限公司", "Hairui Technology (Qingdao) Co., Ltd.", "新加坡海瑞私人有限公司",
     "台湾海瑞企业股份有限公司", "青岛海瑞新能源汽车产业园二期"],
)  # fmt: skip
def test_block_key_is_the_brand_in_every_script(name):
    assert name_key(name).block_key == "hairui"


def test_block_keys_of_other_brands_differ():
    assert name_key("海尔集团").block_key == "haier"
    assert name_key("Siemens AG").block_key == "siemens"  # not pinyin: the word itself
    assert name_key("TCL科技集团股份有限公司").block_key == "tcl"
    assert name_key("TCL Technology Group Corporation").block_key == "tcl"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("日本海瑞株式会社", "Hairui Co., Ltd."),
        ("日本海瑞株式会社", "HAIRUI JAPAN"),
        ("Hairui Co., Ltd.", "HAIRUI JAPAN"),
        ("海瑞科技（青岛）有限公司", "Hairui Technology (Qingdao) Co., Ltd."),
        ("海瑞科技（青岛）有限公司", "Hai Rui Technology Co., Ltd."),
        ("TCL科技集团股份有限公司", "TCL Technology Group Corporation"),
    ],
)
def test_foreign_investor_spellings_match(left, right):
    assert name_similarity(left, right) >= 0.9


def test_pinyin_is_not_quite_certain():
    # 海瑞 and 海睿 are both "hairui": across scripts the match is strong but not exact.
    assert 0.9 <= name_similarity("海瑞", "Hairui") < 1.0


# ---------------------------------------------------------------- forgiving similarity


def test_abbreviation():
    assert name_similarity(PARK, "海瑞新能源产业园") >= 0.85
    assert name_similarity(PARK, "海瑞汽车产业园") >= 0.8
    assert name_similarity(PARK, "海瑞产业园") > 0.72
    assert name_similarity("海瑞虚拟现实产业园", "海瑞VR产业园") == 1.0
    assert name_similarity("海瑞集成电路产业园", "海瑞芯片产业园") == 1.0
    assert name_similarity("海瑞科技（青岛）有限公司", "Hairui") > 0.72


def test_reordered_words():
    assert name_similarity(PARK, "新能源汽车海瑞产业园") >= 0.9
    assert name_similarity(PARK, "海瑞产业园（新能源汽车）") >= 0.9
    assert name_similarity(PARK, "产业园（海瑞）") > 0.72  # reordered and abbreviated
    assert name_similarity("Hairui Auto Park", "Auto Park Hairui") >= 0.9


def test_one_character_typo():
    assert name_similarity(PARK, "海瑞新能原汽车产业园") >= 0.85
    assert name_similarity("Hairui Auto Park", "Hairui Auto Prak") >= 0.85
    # a homophone, the usual slip of a pinyin input method, even in the brand
    assert name_similarity(PARK, "海睿新能源汽车产业园") >= 0.9


def test_another_brand_with_the_same_trade_words_is_not_a_typo():
    assert name_similarity("泰安新能源产业园", "恒安新能源产业园") < 0.72
    assert name_similarity("海瑞科技", "海尔科技") < 0.72


def test_a_brand_left_out_is_not_another_brand():
    assert name_similarity(f"{PARK}项目", "新能源汽车产业园项目") >= 0.85
    assert name_similarity("泰安新能源产业园", "新能源产业园") > name_similarity(
        "泰安新能源产业园", "恒安新能源产业园"
    )


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (PARK, "华恒生物医药研发中心"),
        ("海瑞科技有限公司", "信达实业有限公司"),
        ("Siemens AG", "海瑞科技有限公司"),
        ("Hairui New Energy", "Siemens Healthcare"),
        ("Hairui Technology Co., Ltd.", "Huaheng Industries Inc."),
        ("青岛港（集团）有限公司", "海瑞新能源汽车产业园"),
        ("统一期货有限公司", "海瑞期刊社"),
        ("日本海瑞株式会社", "Huaheng Pte. Ltd."),
    ],
)
def test_unrelated_names_score_low(left, right):
    assert name_similarity(left, right) < 0.5


def test_similarity_is_symmetric_and_bounded():
    names = [PARK, "海瑞新能源产业园", "Hairui", "HAIRUI JAPAN", "泰安新能源产业园", "青岛港",
             "新能源汽车海瑞产业园", "Auto Park Hairui", "海睿科技"]  # fmt: skip
    for left in names:
        assert name_similarity(left, left) == 1.0
        for right in names:
            score = name_similarity(left, right)
            assert 0.0 <= score <= 1.0
            assert score == name_similarity(right, left)


# ---------------------------------------------------------------- phases


@pytest.mark.parametrize(
    ("suffix", "phase"),
    [
        ("一期", 1),
        ("1期", 1),
        ("I期", 1),
        ("Ⅰ期", 1),
        ("第一期", 1),
        ("首期", 1),
        ("（一期）", 1),
        (" Phase I", 1),
        ("phase 1", 1),
        ("二期", 2),
        ("2期", 2),
        ("II期", 2),
        ("Ⅱ期", 2),
        ("第二期", 2),
        ("第 2 期", 2),
        ("二期工程", 2),
        ("（二期）", 2),
        ("二阶段", 2),
        (" Phase II", 2),
        (" phase 2", 2),
        (" Stage-2", 2),
        ("三期", 3),
        ("Ⅲ期", 3),
        ("十二期", 12),
    ],
)
def test_phase_spellings(suffix, phase):
    key = name_key(f"青岛{PARK}{suffix}建设项目")
    assert key.phase == phase
    assert key.text == PARK  # the marker left the text, into phase


def test_phase_marker_inside_the_name():
    key = name_key("海瑞新能源汽车产业园（二期）项目用地")
    assert (key.text, key.phase) == (PARK, 2)
    assert name_key("海瑞二期新能源汽车产业园").phase == 2


def test_no_marker_no_phase():
    assert name_key(PARK).phase is None
    assert name_key("统一期货有限公司") == NameKey("统一期货", None, "tongyiqihuo", "tongyi")
    assert name_key("海瑞2024期刊出版中心").phase is None


def test_first_and_second_phase_conflict():
    first, second = name_key(f"{PARK}一期"), name_key(f"{PARK}（二期）")
    assert phases_conflict(first, second)
    assert phases_conflict(name_key(f"{PARK} Phase I"), name_key(f"{PARK}Ⅱ期"))
    assert not phases_conflict(first, name_key(f"{PARK}第一期工程"))
    assert not phases_conflict(first, name_key(PARK))  # one side silent: no conflict
    # Phase is the caller's veto, not part of the similarity.
    assert key_similarity(first, second) == 1.0


def test_light_display_form_is_unchanged():
    assert normalize_name("国药生命港（青岛） 有限公司") == "国药生命港(青岛)"
    assert normalize_name("海尔股份有限公司") == "海尔"
    assert normalize_name(None) == ""
    assert name_similarity("青岛港（集团）有限公司", "青岛港(集团)有限责任公司") == 1.0


def test_keys_are_cached():
    assert name_key(f"{PARK}项目") is name_key(f"{PARK}项目")


def test_plot_markers_of_a_parcel_say_nothing_of_the_project():
    # A project's second parcel is its second plot (地块), not a second phase.
    assert name_key("华恒VR智造园（二号地块）") == name_key("华恒VR智造园")
    assert name_key("海瑞汽车产业园A地块") == name_key("海瑞汽车产业园")
    assert name_key("海瑞汽车产业园（二号地块）").phase is None

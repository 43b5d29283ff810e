"""Is this registered customer one we already know? Company names compared the way people
write them: 深圳市腾讯计算机系统有限公司, 腾讯计算机系统（深圳）有限公司 and
"Tencent Computer Systems Co., Ltd." differ in the place, the legal form, the brackets and
the width of the characters, not in the company.

``name_key`` reduces a name to what tells companies apart (the trade name and business),
``name_similarity`` compares two keys, and ``tax_id_key`` makes a tax id — the unified
social credit code (统一社会信用代码) or an older number — comparable exactly. Pure
functions: no database, so the matching can be measured on a labelled set alone
(``tests/deals/test_matching.py`` reports precision and recall).
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Two keys at least this similar are shown as a candidate (1.0 = the same key). Chosen on
# the labelled set: one wrong character in seven (系统/系統, 0.857) still matches, while
# 银河科技 and 银河电子科技 — two companies — score 0.80 and do not.
MATCH_THRESHOLD = 0.85


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _by_length_words(text: str) -> list[str]:
    """Longest first, so that a longer place is removed before its prefix."""
    return sorted(_words(text), key=len, reverse=True)


_PROVINCES = _words(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 "
    "河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 "
    "宁夏 新疆 香港 澳门 中国"
)
_CITIES = _words(
    "深圳 广州 东莞 佛山 珠海 中山 惠州 汕头 杭州 宁波 温州 绍兴 嘉兴 台州 金华 南京 "
    "苏州 无锡 常州 徐州 南通 扬州 成都 武汉 西安 青岛 大连 厦门 泉州 福州 长沙 郑州 "
    "济南 烟台 潍坊 沈阳 哈尔滨 长春 合肥 南昌 昆明 贵阳 南宁 海口 三亚 石家庄 唐山 "
    "保定 太原 呼和浩特 包头 兰州 西宁 银川 乌鲁木齐 拉萨"
)
# the administrative suffix a place may carry (longest first)
_PLACE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_PLACES = sorted(_PROVINCES + _CITIES, key=len, reverse=True)
_PLACES_EN = _by_length_words(
    "china beijing shanghai tianjin chongqing guangdong shenzhen guangzhou hangzhou "
    "nanjing suzhou chengdu wuhan xian qingdao dalian xiamen hong kong hongkong macau "
    "jiangsu zhejiang shandong sichuan hubei hunan fujian"
)

# Legal forms and group words, Chinese, longest first: removed from the end, repeatedly.
_LEGAL_ZH = (
    "集团股份有限公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "总公司",
    "分公司",
    "公司",
    "集团",
    "股份",
    "控股",
)
_LEGAL_EN = frozenset(
    _words(
        "co company corp corporation inc incorporated ltd limited llc plc gmbh "
        "ag sa bv group holding holdings the"
    )
)

_BRACKETS = re.compile(r"[(\[【〔{]([^()\[\]【】〔〕{}]*)[)\]】〕}]")
_NOT_WORD = re.compile(r"[^\w]+")
_BRANCH = re.compile(r"(分公司|办事处|分部)$")


def _fold(text: str) -> str:
    """Full-width to half-width, compatibility forms unified (NFKC), lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


def _strip_place(text: str) -> str:
    """Remove leading places (广东省深圳市… → …), each with or without its suffix."""
    changed = True
    while changed and text:
        changed = False
        for place in _PLACES:
            if text.startswith(place):
                rest = text[len(place) :]
                for suffix in _PLACE_SUFFIXES:
                    if rest.startswith(suffix):
                        rest = rest[len(suffix) :]
                        break
                if rest:  # a name that is only a place stays as it is
                    text, changed = rest, True
                break
    return text


def _is_place(text: str) -> bool:
    """Whether bracketed words only say where: （深圳）, (Shanghai), (中国)."""
    if _has_han(text):
        return _strip_place(text.replace(" ", "") + "\0") == "\0"
    words = text.split()
    return bool(words) and all(w in _PLACES_EN for w in words)


def _is_legal(text: str) -> bool:
    """Whether bracketed words only give the legal form: （集团）, (Holdings)."""
    words = _NOT_WORD.sub(" ", text).split()
    return bool(words) and all(w in _LEGAL_ZH or w in _LEGAL_EN for w in words)


def _chinese_key(text: str) -> str:
    # A branch names its company first: 某某有限公司北京分公司 → 某某有限公司.
    if _BRANCH.search(text):
        for legal in ("有限责任公司", "有限公司", "公司"):
            head, found, _tail = text.partition(legal)
            if found and head:
                text = head
                break
    text = _strip_place(text)
    changed = True
    while changed:
        changed = False
        for legal in _LEGAL_ZH:
            if text.endswith(legal) and len(text) > len(legal):
                text, changed = text[: -len(legal)], True
                break
    return _strip_place(text)


def _english_key(words: list[str]) -> str:
    while words and words[-1] in _LEGAL_EN:
        words = words[:-1]
    while words and words[0] in _LEGAL_EN:
        words = words[1:]
    kept = [w for w in words if w not in _LEGAL_EN or len(words) == 1]
    return " ".join(kept)


def name_key(name: str) -> str:
    """What is left of a company name once its place, legal form, brackets, spacing,
    punctuation and character width are set aside; compared exactly and by similarity."""
    text = _fold(name or "").replace("&", " and ")

    def bracketed(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if not inner or _is_place(inner) or _is_legal(inner):
            return " "
        return " " + inner + " "

    text = _BRACKETS.sub(bracketed, text)
    text = text.replace("(", " ").replace(")", " ")
    words = [w for w in _NOT_WORD.sub(" ", text).replace("_", " ").split() if w]
    if any(_has_han(w) for w in words):
        return _chinese_key("".join(words))
    return _english_key(words)


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _head(key: str) -> str:
    """The part that names the company rather than its trade: the first word of an
    English name, the first two characters of a Chinese one (its 字号 begins there)."""
    if _has_han(key):
        return key[:2]
    return key.split(" ", 1)[0]


def name_similarity(key_a: str, key_b: str) -> float:
    """How alike two name keys are, 0 to 1: the share of characters they have in common in
    order (difflib's ratio), but no more than their heads share — "Alpine Outdoor Store"
    and "Maple Outdoor Store" have the trade in common, not the company. 1.0 for the same
    key."""
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 1.0
    flat_a, flat_b = key_a.replace(" ", ""), key_b.replace(" ", "")
    if flat_a == flat_b:
        return 1.0
    whole = SequenceMatcher(None, flat_a, flat_b, autojunk=False).ratio()
    english = not (_has_han(key_a) and _has_han(key_b))
    if english and (" " not in key_a or " " not in key_b):
        return whole  # one word against words (BikeWorld, Bike World): only the whole can tell
    head_a, head_b = _head(key_a), _head(key_b)
    if min(len(head_a), len(head_b)) >= 4 and _one_edit_apart(head_a, head_b):
        return whole  # a typo in the name itself (Acne for Acme) is still the company
    head = SequenceMatcher(None, head_a, head_b, autojunk=False).ratio()
    return min(whole, head)


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether one character replaced, added or removed turns ``a`` into ``b``."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# --- tax ids ---------------------------------------------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def tax_id_key(tax_id: str) -> str:
    """A tax id as compared: half-width, upper case, without spaces and dashes."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", tax_id or "")).upper()


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015) for its first 17."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(tax_id: str) -> str | None:
    """Why an 18-character id is not a valid unified social credit code, or None. Other
    lengths (older tax numbers, foreign ids) are not judged."""
    key = tax_id_key(tax_id)
    if len(key) != 18:
        return None
    if any(c not in _USCC_CHARS for c in key):
        return "characters"
    if uscc_check_character(key[:17]) != key[17]:
        return "check"
    return None

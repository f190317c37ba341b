"""The street (街道/镇/乡) and the community (社区/村) a Chinese home address names.

The release notice and the communities' list need them: a community picks up
its people and watches their home health monitoring. An address is written
from the largest place to the smallest (重庆市九龙坡区杨家坪街道西郊路社区西郊路
12号), so each part ends at its level's word. A part the address does not
name comes back empty; the list of communities shows the full address beside
them, so a reader can always check.
"""

import re

# The last character of a place above the street: 省, 市, 自治区/区, 县, 旗, 自治州/州, 盟.
_ABOVE_STREET = "省市区县旗州盟"
_SEPARATORS = " ,，、;；"
_STREET = re.compile(r"街道|镇|乡")
# The cities and counties whose names begin with 镇 or 乡 (镇江市, 镇海区, 乡宁县):
# there the character is not a town's.
_NOT_A_TOWN = re.compile(r"镇[江海原平雄康坪沅远赉宁巴安][市县区]|乡[宁城]县")
# The community follows the street at once: a few characters (never a
# house number) up to the first 社区 or 村.
_COMMUNITY = re.compile(r"[^\d\s,，、;；#号栋楼室单元]{1,12}?(?:社区|村)")


def _start_of_name(text: str, end: int, stops: str) -> int:
    """Where the place name that ends at ``end`` begins: after the nearest
    higher place's last character that leaves the name two characters or more
    (so that 新市镇 keeps its 市)."""
    for i in range(end - 1, -1, -1):
        if text[i] in _SEPARATORS:
            return i + 1
        if text[i] in stops and end - i - 1 >= 2:
            return i + 1
    return 0


def street_and_community(address: str) -> tuple[str, str]:
    """("杨家坪街道", "西郊路社区") from "重庆市九龙坡区杨家坪街道西郊路社区西郊路12号"; "" for a part not named."""
    address = (address or "").strip()
    street = ""
    rest_from = 0
    found = next((m for m in _STREET.finditer(address) if not _NOT_A_TOWN.match(address, m.start())), None)
    if found:
        start = _start_of_name(address, found.start(), _ABOVE_STREET)
        if found.start() > start:
            street = address[start : found.end()]
            rest_from = found.end()
    rest = address[rest_from:].lstrip(_SEPARATORS)
    community = ""
    if street:
        match = _COMMUNITY.match(rest)
        community = match.group() if match else ""
    else:
        # No street named: a community may still be, after the district.
        found = re.search(r"社区|村", rest)
        if found:
            start = _start_of_name(rest, found.start(), _ABOVE_STREET)
            name = rest[start : found.end()]
            if found.start() > start and _COMMUNITY.fullmatch(name):
                community = name
    return street, community

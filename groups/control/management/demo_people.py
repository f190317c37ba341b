"""The demo site's synthetic identities: names, birth dates, national IDs,
phones and the profile of each person (category, diet, needs).

Everything is made up. National IDs use region codes 500990-500999, which no
county has, with a valid check digit; phone numbers use the virtual-operator
prefix 170. Names, IDs and phones are unique across the demo. The people are
built in memory here and written by demo_stays.
"""

import random
from datetime import date, timedelta

from rooms.masking import national_id_check_digit
from rooms.models import Person, Site

REGIONS = [f"5009{n:02d}" for n in range(90, 100)]  # no such counties in Chongqing

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
    "郝龚邵万严覃戴莫向汤冉"
)
GIVEN = {
    # (sex, era): era "old" born before 1960, "mid" 1960-1999, "young" 2000 on; space-separated
    ("M", "old"): "建国 国庆 德明 光荣 永福 国华 德福 长青 志成 文华 福 贵 华 明",
    ("F", "old"): "秀英 桂兰 淑珍 玉兰 凤英 秀兰 素芳 桂芳 玉珍 翠华 英 珍 兰",
    ("M", "mid"): "伟 强 磊 军 勇 涛 斌 超 明 刚 平 辉 鹏 波 健 亮 志强 海涛 文杰 建军 晓东 小龙 永刚 俊 凯 林 宏伟",
    ("F", "mid"): "丽 静 敏 芳 娟 婷 燕 霞 艳 玲 洁 琳 红 莉 萍 晓燕 丽娟 春梅 小红 雪梅 海燕 秀梅 慧 倩 晓丽 佳",
    ("M", "young"): "子轩 浩宇 宇航 梓豪 家豪 明轩 俊熙 沐阳 一鸣 博文 睿 航 浩然 天佑",
    ("F", "young"): "梓涵 欣怡 雨桐 诗涵 梓萱 一诺 可欣 思琪 语嫣 佳怡 悦 萌 雨萱 若曦",
}
SOURCES = [
    "渝中区解放碑街道",
    "渝中区大坪街道",
    "九龙坡区杨家坪街道",
    "九龙坡区谢家湾街道",
    "九龙坡区石桥铺街道",
    "沙坪坝区小龙坎街道",
    "渝北区龙溪街道",
    "渝北区回兴街道",
    "江北区观音桥街道",
    "江北区五里店街道",
    "南岸区南坪街道",
    "南岸区弹子石街道",
    "大渡口区春晖路街道",
    "巴南区李家沱街道",
]
INBOUND_SOURCE = "江北国际机场(入境)"
# Home addresses: a street of SOURCES, a made-up community and house (the
# communities' list and the release notice read the street and community).
COMMUNITIES = ["马家堡", "朝阳", "建设路", "和平", "花园", "幸福", "长安", "民主村", "红岩", "滨江", "桂花园", "南华"]
ROADS = ["建设路", "人民路", "朝阳路", "滨江路", "新华路", "团结路", "文化路", "育才路"]
ALLERGIES = ["青霉素过敏", "海鲜过敏", "花生过敏", "磺胺类药物过敏"]

C = Person.Category
D = Person.Diet
N = Person.Need


class People:
    """Makes the site's people, unsaved, from the demo's random source."""

    def __init__(self, rng: random.Random, site: Site, today: date):
        self.rng = rng
        self.site = site
        self.today = today
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.names: set[str] = set()
        # Addresses draw from a source of their own, so that adding them changed no other demo record.
        self.places = random.Random(f"demo addresses {site.name}")
        self.homes: dict[str, str] = {}

    def birth(self, lo_age: int, hi_age: int) -> date:
        """A birth date giving an age in [lo_age, hi_age] today, within 1940-2020."""
        earliest = max(date(1940, 1, 1), _years_before(self.today, hi_age + 1) + timedelta(days=1))
        latest = min(date(2020, 12, 31), _years_before(self.today, lo_age))
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def national_id(self, birth: date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(1 if sex == "M" else 0, 1000, 2)
            first17 = f"{self.rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
            value = first17 + national_id_check_digit(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def phone(self) -> str:
        while True:
            value = "170" + "".join(self.rng.choices("0123456789", k=8))
            if value not in self.phones:
                self.phones.add(value)
                return value

    def given(self, sex: str, birth: date) -> str:
        era = "old" if birth.year < 1960 else "mid" if birth.year < 2000 else "young"
        return self.rng.choice(GIVEN[(sex, era)].split())

    def name(self, sex: str, birth: date, surname: str | None = None) -> str:
        for _ in range(50):
            value = (surname or self.rng.choice(SURNAMES)) + self.given(sex, birth)
            if value not in self.names:
                break
        self.names.add(value)
        return value

    def address(self, source: str, household: str) -> str:
        """A home in Chongqing on the street the person came from (any street for an inbound traveller);
        one home for a household."""
        if household in self.homes:
            return self.homes[household]
        places = self.places
        street = source if source in SOURCES else places.choice(SOURCES)
        community = places.choice(COMMUNITIES)
        community += "" if community.endswith("村") else "社区"
        home = (
            f"重庆市{street}{community}{places.choice(ROADS)}{places.randint(1, 180)}号"
            f"{places.randint(1, 12)}栋{places.randint(1, 4)}单元{places.randint(1, 30)}{places.randint(1, 4):02d}"
        )
        if household:
            self.homes[household] = home
        return home

    def age(self, birth: date) -> int:
        years = self.today.year - birth.year
        return years - ((self.today.month, self.today.day) < (birth.month, birth.day))

    def person(
        self,
        *,
        sex: str | None = None,
        ages: tuple[int, int] = (20, 65),
        birth: date | None = None,
        surname: str | None = None,
        category: str = C.CLOSE_CONTACT,
        source: str = "",
        needs: list[str] | None = None,
        diet: str = D.REGULAR,
        household: str = "",
        expected_on: date | None = None,
    ) -> Person:
        sex = sex or self.rng.choice("MF")
        birth = birth or self.birth(*ages)
        age = self.age(birth)
        needs = list(needs or [])
        if age >= 70 and N.ELDERLY not in needs:
            needs.insert(0, N.ELDERLY)
        if age < 14 and N.CHILD not in needs:
            needs.append(N.CHILD)
        adult = age >= 16
        return Person(
            site=self.site,
            name=self.name(sex, birth, surname),
            national_id=self.national_id(birth, sex),
            phone=self.phone() if adult else "",
            sex=sex,
            birth_date=birth,
            category=category,
            special_needs=needs,
            diet=diet,
            allergy_note=self.rng.choice(ALLERGIES) if self.rng.random() < 0.06 else "",
            emergency_contact=self.name(self.rng.choice("MF"), self.birth(25, 60)),
            emergency_phone=self.phone(),
            household=household,
            expected_on=expected_on or self.today,
            source=(source := source or self.rng.choice(SOURCES)),
            address=self.address(source, household),
        )

    def single_profile(self) -> dict:
        """Category, diet, needs and ages for one person arriving alone."""
        rng = self.rng
        roll = rng.random()
        category = (
            C.CLOSE_CONTACT
            if roll < 0.72
            else C.SECONDARY_CONTACT
            if roll < 0.93
            else C.INBOUND
            if roll < 0.97
            else C.OTHER
        )
        profile = {"category": category, "ages": (18, 67)}
        if category == C.INBOUND:
            profile["source"] = INBOUND_SOURCE
        roll = rng.random()
        if roll < 0.03:
            profile["diet"] = D.HALAL
            profile["surname"] = rng.choice("马白")
        elif roll < 0.07:
            profile["diet"] = D.VEGETARIAN
        elif roll < 0.10:
            profile["diet"] = D.DIABETIC
            profile["ages"] = (45, 67)
            profile["needs"] = [N.CHRONIC]
        elif roll < 0.13:
            profile["needs"] = [N.CHRONIC]
            profile["ages"] = (40, 67)
        return profile


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)

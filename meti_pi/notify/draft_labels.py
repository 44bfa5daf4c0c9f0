"""The fixed wording of the Art. 35/36 notice drafts: labels, titles, leads (split from notify.drafts, issue 17)."""

from __future__ import annotations

# Fallback when the register has no roles record for the 副総括 (rule Art. 5(2), SEED).
FUKU_SOKATSU_TITLE = "副総括個人情報保護管理者"
FUKU_SOKATSU_POST = "大臣官房個人情報保護室長"

APPI = "個人情報保護法"  # the rule's own short name (Art. 2)
MYNUMBER = "番号法"

# APPI 74(2) items, by the short Japanese keys of legal brief §1.7 (VERIFIED content).
EXCLUSION_LABELS: dict[str, str] = {
    "74-2-1": "国の重大な利益に関する事項を記録するもの",
    "74-2-2": "犯罪の捜査等のために作成し、又は取得するもの",
    "74-2-3": "職員の人事、給与、福利厚生等に関する事項のみを記録するもの",
    "74-2-4": "専ら試験的な電子計算機処理の用に供するもの",
    "74-2-5": "通知済みの個人情報ファイルの範囲内の複製",
    "74-2-6": "1年以内に消去することとなる記録情報のみを記録するもの",
    "74-2-7": "送付又は連絡のために必要な事項のみを記録するもの",
    "74-2-8": "職員が学術研究の用に供するため作成し、又は取得するもの",
    "74-2-9": "本人の数が政令で定める数に満たないもの",
    "74-2-10": "第3号から第9号までに準ずるものとして政令で定めるもの",
    "74-2-11": "マニュアル処理ファイル（第60条第2項第2号に係るもの）",
    "75-2-1": "第74条第2項第1号から第10号までに掲げるもの",
    "75-2-2": "公表済みの個人情報ファイルの範囲内の複製",
    "75-2-3": "前号に準ずるものとして政令で定めるもの",
    "75-3": "個人情報ファイル簿への記載の一部又は全部の省略",
}

FILE_KIND_LABELS: dict[str, str] = {
    "computer": "電算処理ファイル（個人情報保護法第60条第2項第1号）",
    "manual": "マニュアル処理ファイル（個人情報保護法第60条第2項第2号）",
    "none": "個人情報ファイルに該当しない保有個人情報",
}

PIA_LABELS: dict[str, str] = {
    "not_required": "実施を要しない",
    "planned": "実施予定",
    "in_progress": "実施中",
    "approved": "評価書承認済み",
    "published": "評価書公表済み",
}

# Japanese names of the items `notices.notified_items` covers, for "変更した事項".
ITEM_LABELS: dict[str, str] = {
    "name": "個人情報ファイルの名称",
    "org": "行政機関等の名称",
    "division": "事務をつかさどる組織",
    "purpose": "利用目的",
    "record_items": "記録項目",
    "record_scope": "記録範囲",
    "collection_method": "記録情報の収集方法",
    "sensitive": "要配慮個人情報の有無",
    "routine_recipients": "記録情報の経常的提供先",
    "filebook_withheld": "個人情報ファイル簿への不記載",
    "disclosure_office": "開示請求等を受理する組織",
    "special_procedures": "他の法令による特別の手続等",
    "planned_start_date": "保有開始の予定年月日",
    "other_reference": "その他参考となる事項",
    "file_kind": "個人情報ファイルの種別",
    "management_class": "管理区分",
    "systems": "情報システム",
    "contractors": "委託先",
    "exclusions": "適用除外",
    "my_number_basis": "個人番号の利用・提供の根拠等",
    "anonymized_info": "行政機関等匿名加工情報",
}

TITLES: dict[str, tuple[str, str]] = {  # kind -> (initial, change)
    "35-1": ("個人情報ファイルの保有に関する通知", "個人情報ファイルに係る通知事項の変更に関する通知"),
    "35-2": (
        "保有個人情報（管理{klass}）の保有に関する通知",
        "保有個人情報（管理{klass}）に係る通知事項の変更に関する通知",
    ),
    "35-3": ("個人番号・特定個人情報等の保有に関する通知", "個人番号・特定個人情報等に係る通知事項の変更に関する通知"),
    "36": ("行政機関等匿名加工情報等の作成に関する通知", "行政機関等匿名加工情報等に係る通知事項の変更に関する通知"),
}

# The lead sentence: (initial, change). 後段 = the second sentence "通知した事項を変更…".
LEADS: dict[str, tuple[str, str]] = {
    "35-1": (
        "規程第35条第1項の規定に基づき、下記の個人情報ファイルを保有しようとするので、あらかじめ通知します。",
        "規程第35条第1項後段の規定に基づき、下記の個人情報ファイルについて通知した事項を変更しようとするので、あらかじめ通知します。",
    ),
    "35-2": (
        "規程第35条第2項の規定に基づき、管理{klass}に区分される下記の保有個人情報を保有したので、通知します。",
        "規程第35条第2項後段の規定に基づき、下記の保有個人情報について通知した事項を変更したので、通知します。",
    ),
    "35-3": (
        "規程第35条第3項の規定に基づき、下記の個人番号、特定個人情報又は特定個人情報ファイルを保有しようとするので、あらかじめ通知します。",
        "規程第35条第3項後段の規定に基づき、下記の特定個人情報ファイル等について通知した事項を変更しようとするので、あらかじめ通知します。",
    ),
    "36": (
        "規程第36条の規定に基づき、下記のとおり行政機関等匿名加工情報等を作成したので、通知します。",
        "規程第36条後段の規定に基づき、下記の行政機関等匿名加工情報等について通知した事項を変更しようとするので、あらかじめ通知します。",
    ),
}

# The lead sentence of a first notice made after its due date (the holding has already started,
# or the 遅滞なく limit has passed): it cannot say "あらかじめ".
LATE_LEADS: dict[str, str] = {
    "35-1": "規程第35条第1項の規定に基づき、下記の個人情報ファイルについて通知します。",
    "35-2": "規程第35条第2項の規定に基づき、管理{klass}に区分される下記の保有個人情報を保有したので、通知します。",
    "35-3": "規程第35条第3項の規定に基づき、下記の個人番号、特定個人情報又は特定個人情報ファイルについて通知します。",
    "36": "規程第36条の規定に基づき、下記のとおり行政機関等匿名加工情報等を作成したので、通知します。",
}
LATE_NOTES: dict[str, str] = {
    "before": "なお、本通知は保有開始後の通知となったため、その理由を併せて記載します。",
    "after": "なお、本通知は遅れて行うものであるため、その理由を併せて記載します。",
}
# A change notice the 管理者 says comes late (--late-reason): the change is made, so not
# "変更しようとするので、あらかじめ" (35(1), 35(3), 36 後段: before the change) but "変更したので".
LATE_CHANGE_LEADS: dict[str, str] = {
    "35-1": "規程第35条第1項後段の規定に基づき、下記の個人情報ファイルについて通知した事項を変更したので、通知します。",
    "35-2": "規程第35条第2項後段の規定に基づき、下記の保有個人情報について通知した事項を変更したので、通知します。",
    "35-3": "規程第35条第3項後段の規定に基づき、下記の特定個人情報ファイル等について通知した事項を変更したので、通知します。",
    "36": "規程第36条後段の規定に基づき、下記の行政機関等匿名加工情報等について通知した事項を変更したので、通知します。",
}
LATE_CHANGE_NOTES: dict[str, str] = {
    "before": "なお、本通知は変更後の通知となったため、その理由を併せて記載します。",
    "after": LATE_NOTES["after"],
}

UNSET = "（未登録）"

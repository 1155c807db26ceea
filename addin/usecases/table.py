"""THE table of use cases: every action a clerk can take, once, in the order of the year.

The command line's subcommands (:mod:`addin.cli`), the ribbon's buttons and allow-list
(:mod:`addin.excel.ribbon`, the generated ``customUI.xml``) and the 台账工具 page's cards
(:mod:`addin.launcher`) are all made from :data:`TABLE`; tests/test_usecases.py fails when
a use case is missing from a shell it is declared for. A use case for one shell only says
why (``why_not``).
"""

from __future__ import annotations

from . import campaign, meeting, outputs, register, tools
from .spec import THE_REGISTER, Param, UseCase, Variant

ALL = frozenset({"cli", "page", "ribbon"})
CLI_ONLY = frozenset({"cli"})

AS_OF_HELP = "按指定时间判断期限（默认现在），如 2024-09-05 10:00"

#: the groups of the page and the ribbon, in the order of the year
GROUPS = ("台账", "单位材料与缴费", "评审会", "结果公示与归档", "帮助", "命令行工具")


def _register(help: str = "台账文件（.xlsx/.xlsm）") -> Param:
    return Param("register", "register", "台账", help, metavar="台账", required=True, ribbon="active")


def _as_of() -> Param:
    return Param("as_of", "datetime", "按指定时间判断期限", AS_OF_HELP, flag="--as-of", metavar="时间", advanced=True,
                 ribbon="never")


def _out(help: str) -> Param:  # noqa: A002
    return Param("out", "out", "输出文件夹", help + "（台账工具和加载项：台账旁的“职称评审输出”文件夹）", flag="--out",
                 metavar="文件夹", cli_required=True, ribbon="never")


def _all(help: str) -> Param:  # noqa: A002
    return Param("all", "flag", "包括暂不处理的申报", help, flag="--all", ribbon="options")


TABLE: tuple[UseCase, ...] = (
    # --- 台账 ---------------------------------------------------------------------------------------
    UseCase(
        "new", ("new",), "新建台账", "新建空白台账（或沿用上年台账）",
        "按模板新建一个空白台账（参数按通知预填）；沿用上年台账时带上参数（各日期放到新年度并标“请核对”）、"
        "评审条件、节假日、专家库和用人单位联系方式，不带申报人员和上年评审会的抽取、出席、回避记录。",
        register.new, register="none", group="台账", icon="FileNew", large=True,
        params=(Param("path", "newfile", "新台账文件名", "新台账的文件名，如 2025年职称评审台账.xlsx", metavar="文件名",
                      required=True),
                Param("year", "year", "评审年度", "评审年度（默认：沿用上年时为上年的下一年，否则2024）；各日期按其在评审中的时段放到该年度，"
                      "并标注“请核对”", flag="--year", metavar="年度"),
                Param("from_", "workbook", "上年台账", "沿用上年台账的参数、评审条件、节假日、专家库和用人单位联系方式（不含申报人员）",
                      flag="--from", metavar="上年台账", ribbon="never", doors=CLI_ONLY)),
        variants=(Variant("", "新建台账", {}, "新建一个空白台账（参数按通知预填）。", "FileNew"),
                  Variant("next", "下一年度（沿用上年）", {"from_": THE_REGISTER},
                          "以当前台账为上年台账，新建下一年度的台账：沿用参数、评审条件、节假日、专家库和用人单位，不含申报人员。",
                          "FileSaveAsExcelXlsx"))),
    UseCase(
        "import", ("import",), "导入平台导出", "导入平台导出的申报人员名单（之后自动刷新）",
        "把新疆专业技术人员管理平台导出的名单（.xlsx 或 .csv）合并到申报人员表（含联系电话），导出带有提交、审核记录的，"
        "按申报和第几次提交合并到审核记录表（重复导入不会重复添加）：有申报编号的按申报编号匹配，否则按身份证号＋系列＋"
        "拟申报职称匹配（没有系列、拟申报职称时只匹配台账中该身份证号唯一的申报，不新增）；新人新增一行，已有的只补填空白"
        "单元格，不同之处列为冲突；日期按日期写入。有改动时接着刷新计算列。",
        register.import_platform, register="write", group="台账", icon="ImportTextFile", large=True,
        params=(_register(),
                Param("export", "workbook", "平台导出文件", "平台导出的 .xlsx 或 .csv 文件", metavar="导出文件", required=True),
                Param("overwrite", "flag", "冲突时以导出文件为准", "冲突时以导出文件为准", flag="--overwrite", ribbon="options"),
                Param("aliases", "text", "补充的列名对应表", "补充的列名对应表（CSV：导出列名,台账列名）", flag="--aliases",
                      metavar="对应表", advanced=True, ribbon="never"),
                _as_of())),
    UseCase(
        "check", ("check",), "校验", "校验台账，列出问题（不写入）",
        "读取台账，校验参数和每一行，按“工作表!单元格: 问题”列出（含计算列被手工修改、刷新会被拒绝的原因）；"
        "有错误时退出码为1。不写入任何内容。",
        register.check, group="台账", icon="DataValidation", large=True,
        params=(_register(),
                Param("json", "flag", "JSON", "以 JSON 输出", flag="--json", doors=CLI_ONLY),
                _as_of())),
    UseCase(
        "refresh", ("refresh",), "刷新计算", "刷新计算列、统计和日志（先备份）",
        "按规则重新计算申报人员表的灰底计算列，重建统计表（按状态、专业、级别、评审费，按用人单位、县市、系列专业级别的"
        "申报、受理、上会、通过人数和通过率，待办），追加日志；写入前自动备份，只改计算列。加 --from 上年台账时，"
        "统计表同时列出上年的申报、通过人数、通过率和增减。刷新后台账仍有错误时退出码为1。",
        register.refresh, register="write", group="台账", icon="RefreshAll", large=True,
        params=(_register(),
                Param("from_", "workbook", "上年台账（同比）", "与上年台账对比：统计表按用人单位、县市、系列专业级别列出上年的"
                      "申报、通过人数、通过率和增减", flag="--from", metavar="上年台账", ribbon="never"),
                Param("compare", "flag", "与上年对比", "与上年台账对比（台账工具和加载项的“刷新并与上年对比”按钮；命令行用 --from）",
                      flag="--compare", hidden=True, doors=CLI_ONLY),
                _as_of()),
        variants=(Variant("", "刷新计算", {"compare": False},
                          "按规则重新计算灰底计算列，重建统计表，追加日志（先备份）。", "RefreshAll"),
                  Variant("compare", "刷新并与上年对比", {"compare": True},
                          "刷新计算，并在统计表中按用人单位、县市、系列专业级别列出上年的申报、通过人数、通过率和增减"
                          "（选择上年台账）。", "RefreshAll"))),
    UseCase(
        "status", ("status",), "核对状态", "列出按审核记录和表决结果应更新的状态，确认后写入",
        "“状态”列由组织人事科填写。本操作按审核记录（补正期限、提交次数、申报截止）和评审会表决结果列出应更新的状态"
        "（申报编号、姓名、现在的状态、建议的状态和依据的条款），不写入；核对无误后用确认码确认，才把这些状态写入"
        "“状态”列并记入日志（先备份），接着刷新计算列。列出建议后台账有变动时拒绝写入。",
        register.status, register="write", group="台账", icon="ReviewAcceptChange",
        params=(_register(),
                Param("confirm", "text", "确认码", "列出建议时给出的确认码：确认写入这些状态", flag="--confirm", metavar="确认码",
                      ribbon="never"),
                _as_of()),
        variants=(Variant("", "核对状态", {"confirm": ""},
                          "列出按审核记录和评审会表决结果应更新的状态（不写入）；加载项中核对后可直接确认写入。",
                          "ReviewAcceptChange"),
                  Variant("apply", "确认写入状态", {},
                          "把刚列出的状态建议写入“状态”列（确认码须与列出时的一致），记入日志并刷新。",
                          "ReviewAcceptChange", doors=frozenset({"page"})))),
    UseCase(
        "settings", ("settings",), "节假日与参数", "本年度的时间节点、参数中的问题和已掌握的放假安排",
        "查看本年度的主要时间节点、参数与节假日表中的问题，以及软件已掌握的放假安排（全国、新疆、节假日表补录）。",
        register.settings, group="台账", icon="CalendarInsert",
        params=(_register(),)),
    UseCase(
        "calendar", ("calendar",), "放假安排", "列出某年阿克苏的放假与调休上班日期及来源",
        "列出某年阿克苏地区（全国安排＋新疆地方节日＋台账“节假日”表）的放假和调休上班日期，便于与官方通知核对。",
        register.calendar, register="optional", group="台账", icon="CalendarMonthDetails",
        params=(Param("year", "year", "年份", "年份，如 2024（台账工具和加载项默认为台账的评审年度）", metavar="年份",
                      cli_required=True),
                Param("register", "register", "台账", "同时使用该台账“节假日”表中补录的日期", flag="--book", metavar="台账",
                      ribbon="active"))),
    # --- 单位材料与缴费 ---------------------------------------------------------------------------------
    UseCase(
        "docs", ("docs",), "生成材料（附件1—4）",
        "生成通知附件1—4（推荐单位公示、单位推荐意见、个人承诺书、免除继续教育学习申请表）",
        "按台账为每位申报人员生成通知附件1—4的 Word 文件（每人每个附件一份，另有每个附件一份合并打印文件），可同时转换为 PDF。"
        "附件4只为标“免修继续教育”的人员生成。台账中缺少的内容在文件中显示为“（未填）”，并在结束时逐人列出。"
        "模板取台账旁的 templates 文件夹，没有时使用内置模板。不会修改台账。",
        outputs.docs, group="单位材料与缴费", icon="MailMergeStartLetters", output="附件", large=True,
        params=(_register(),
                _out("输出文件夹（不存在时自动创建）"),
                Param("kinds", "kinds", "附件", "要生成的附件编号，用逗号分隔，如 1,3（默认 1,2,3,4）", flag="--kind",
                      metavar="附件编号", default="1,2,3,4"),
                Param("ids", "ids", "申报编号", "只为这些申报编号生成，用逗号分隔，如 2024-001,2024-005（加载项：选中的行）",
                      flag="--ids", metavar="申报编号", ribbon="selection"),
                Param("status", "words", "状态", "只为该状态的人员生成，如 已接收材料（多个用逗号分隔）", flag="--status",
                      metavar="状态", advanced=True, ribbon="never"),
                Param("templates", "text", "模板文件夹", "模板文件夹（默认：台账旁的 templates 文件夹）", flag="--templates",
                      metavar="文件夹", advanced=True, ribbon="never"),
                Param("pdf", "flag", "同时转换为 PDF", "同时用 LibreOffice 转换为 PDF，并核对每份 PDF 的内容", flag="--pdf",
                      ribbon="options"),
                Param("duplex", "flag", "双面打印", "双面打印：合并打印文件中每人（每份材料）从奇数页开始，需要时留出空白背面",
                      flag="--duplex", ribbon="options"),
                Param("by_employer", "flag", "按用人单位分文件夹",
                      "另按用人单位分文件夹（“按单位”）：本单位人员的附件1—3、一份合并打印文件和报送清单（报送对象、截止日期取自参数）",
                      flag="--by-employer", ribbon="options"),
                _all("同时为不予受理、视为放弃、状态与审核记录不一致和同一人两种方式申报（三）尚未处理的人员生成（默认不生成）"))),
    UseCase(
        "finance-export", ("finance", "export"), "导出财务表", "导出给财务的缴费表（不含身份证号）",
        "生成给财务审计办公室的缴费表：应缴人员、评审费、已缴与未缴金额、应退费用，缴费方式为下拉选择；不含身份证号。"
        "不覆盖已有文件，不修改台账。",
        outputs.finance_export, group="单位材料与缴费", icon="ExportExcel", output="财务", large=True,
        params=(_register(),
                Param("file", "newfile", "缴费表", "要生成的缴费表文件名（.xlsx，不能是已有文件）", metavar="缴费表",
                      cli_required=True, ribbon="never", filename="职称评审费缴费表.xlsx"),
                _as_of())),
    UseCase(
        "finance-import", ("finance", "import"), "导入缴费", "把财务录入的缴费合并进台账“缴费”表（之后自动刷新）",
        "读取财务填好的缴费表，把新的缴费记录合并到台账“缴费”表（按收据号识别，重复导入不会重复记账；同一收据号金额不同则拒绝）；"
        "写入前自动备份，有新记录时接着刷新计算列。",
        outputs.finance_import, register="write", group="单位材料与缴费", icon="ImportExcel", large=True,
        params=(_register(),
                Param("file", "workbook", "财务填好的缴费表", "财务填好的缴费表（.xlsx）", metavar="缴费表", required=True),
                _as_of())),
    UseCase(
        "notify", ("notify",), "通知申报人", "列出某日应通知的申报人和短信内容，生成短信文件和电话通知名单",
        "按台账中每份申报所处的阶段，列出指定日期应通知申报人的事项：尚未提交（申报截止时间，一(一)）、退回补正（补正截止日，"
        "四(一)1）、缴费（金额、缴费时间和地点，逾期未缴的另行提醒，四(六)）、报送纸质材料（四(四)）、答辩时间和地点（四(五)）、"
        "评审结果和公示期（一(五)）、退费。"
        "有手机号码的生成上传政务短信平台的短信文件（手机号码、短信内容，每行一条，字数含短信签名），没有手机号码的生成"
        "电话通知名单（可打印）。每次生成的通知记入“日志”，下次不再重复列入（确需再发时加 --resend）。"
        "状态与审核记录不一致的申报不生成通知，逐一列出。",
        campaign.notify, register="write", group="单位材料与缴费", icon="FileSendAsAttachment", output="通知", large=True,
        params=(_register(),
                _out("通知文件的输出文件夹"),
                Param("date", "date", "通知日期", "按该日应办的事项生成通知（默认今天），如 2024-09-05", flag="--date",
                      metavar="日期", suggest="today"),
                Param("resend", "flag", "包括已通知过的", "把此前已列入通知（见日志）的事项再次列入", flag="--resend",
                      ribbon="options"))),
    # --- 评审会 -------------------------------------------------------------------------------------------
    UseCase(
        "draw", ("draw",), "抽取评委", "从专家库随机抽取本次评审会的评委和候补评委",
        "按参数中的评委人数（可按专业分配）和候补人数，从“评委”表中可参加的专家里随机抽取（操作系统安全随机数）；"
        "与上会申报人同单位、或“回避关系”列写明有亲属、同单位、其他利害关系的专家不参加抽取。结果写入“评委”表的"
        "抽取结果列和日志（先备份），并生成评委抽取记录（.docx，打印后由抽取人、监督人签字）。可抽取的专家不足时"
        "不抽取、不写入（退出码2）；候补不足时照常抽取并提醒（退出码1）。",
        meeting.draw, register="write", group="评审会", icon="AddressBook", output="评审会", large=True,
        params=(_register(),
                _out("抽取记录的输出文件夹（记录在其中的“内部留存”文件夹）"),
                Param("redraw", "text", "重新抽取的原因", "已经抽取过时重新抽取，并写明原因（记入日志和抽取记录）",
                      flag="--redraw", metavar="原因", ribbon="never"),
                _as_of())),
    UseCase(
        "record", ("record",), "评审会议记录", "生成答辩评分表（会前）或评审会议记录（会后，内部版与评委会版）",
        "先刷新台账（计票、答辩成绩写入“评审会”“答辩评分”表），再生成评审会议记录：评委出席、回避、"
        "各盲评编号的表决结果（出席评委三分之二的计算）、答辩成绩，以及计票人、监票人签字栏。"
        "“内部留存”文件夹中的一份含姓名和单位，“送评委”文件夹中的一份只有编号。"
        "加 --forms 改为生成答辩评分表：每位抽取的评委（含候补）一份，每位需答辩（高级）的申报一页。"
        "没有抽取评委或出席不足三分之二时不生成（退出码2）；有未表决或答辩成绩未录入的编号时照常生成并列出（退出码1）。",
        meeting.record, register="write", group="评审会", icon="FileSaveAsPdfOrXps", output="评审会",
        params=(_register(),
                _out("输出文件夹（其中分“内部留存”“送评委”两个文件夹）"),
                Param("forms", "flag", "答辩评分表", "生成答辩评分表（会前打印发给评委）", flag="--forms", ribbon="never"),
                _as_of()),
        variants=(Variant("forms", "答辩评分表", {"forms": True},
                          "会前：为每位抽取的评委（含候补）生成答辩评分表，每位需答辩（高级）的申报一页，只有盲评编号。",
                          "TableInsert"),
                  Variant("", "评审会议记录", {"forms": False},
                          "会后：先刷新计票，再生成评审会议记录（内部版含姓名，评委会版只有编号）和签字栏。",
                          "FileSaveAsPdfOrXps"))),
    UseCase(
        "roster", ("roster",), "评审会名单", "生成评审会名单（内部、盲评）、投票表和编号对照表",
        "刷新台账（分配并保存盲评编号）后，生成上会人员名单：内部名单（含姓名、单位、回避评委）、"
        "供专家使用的盲评名单（不含姓名、身份证号、单位）、投票表和编号对照表，.xlsx 与 .docx。",
        meeting.roster, register="write", group="评审会", icon="FilePrint", output="评审会", large=True,
        params=(_register(),
                _out("输出文件夹"),
                Param("date", "date", "评审会日期", "评审会日期（默认取“评审会”表中的会议日期）", flag="--date", metavar="日期",
                      advanced=True, ribbon="never"),
                _as_of(),
                _all("同时列入符合上会条件、但同一人两种方式申报（三）尚未处理的申报"))),
    # --- 结果公示 -----------------------------------------------------------------------------------------
    UseCase(
        "publicity", ("publicity",), "公示名单", "生成评审结果公示名单",
        "列出评审通过人员（按专业、级别），身份证号隐藏出生日期，公示期按阿克苏工作日计算。",
        outputs.publicity, group="结果公示与归档", icon="FilePrintPreview", output="公示", large=True,
        params=(_register(),
                _out("输出文件夹"),
                Param("start", "date", "公示开始日期", "公示开始日期，如 2024-10-21", flag="--start", metavar="日期",
                      required=True, suggest="next-workday"),
                _as_of())),
    UseCase(
        "archive", ("archive",), "年度归档", "年度归档（带 SHA-256 清单的密封归档）或核对归档",
        "把本年度的台账原样副本、评委抽取记录、评审会名单与投票表、答辩评分表、会议记录、公示名单、财务表和日志放进一个"
        "带日期的归档文件夹（另有同名 .zip），每个文件的 SHA-256 摘要记入清单并印在归档目录上（打印后签字）；"
        "加 --verify 核对一个归档文件夹与其清单，被改动、删除或增加的文件逐一列出（退出码1）。不修改台账。",
        outputs.archive, register="optional", group="结果公示与归档", icon="FileSaveAsZip", output="归档",
        params=(Param("register", "register", "台账", "台账文件（.xlsx/.xlsm；核对归档时不需要）", metavar="台账",
                      ribbon="active"),
                Param("out", "out", "输出文件夹", "归档的输出文件夹（台账工具和加载项：台账旁的“职称评审输出”文件夹）",
                      flag="--out", metavar="文件夹", ribbon="never"),
                Param("verify", "path", "要核对的归档", "要核对的归档文件夹（或其中的 SHA256SUMS.txt）", flag="--verify",
                      metavar="归档文件夹", ribbon="never", filter="归档清单 (SHA256SUMS.txt),*.txt"),
                Param("check", "flag", "核对", "核对归档（台账工具的“核对归档”按钮；命令行用 --verify）", flag="--check",
                      hidden=True, doors=CLI_ONLY),
                _as_of()),
        variants=(Variant("", "年度归档", {"check": False, "verify": ""},
                          "生成本年度的密封归档（带 SHA-256 清单和需签字的归档目录）。", "FileSaveAsZip"),
                  Variant("check", "核对归档", {"check": True},
                          "核对一个归档文件夹与其 SHA-256 清单：被改动、删除或增加的文件逐一列出。", "ReviewAcceptChange"))),
    # --- 帮助 (the ribbon) and the command line's own tools -------------------------------------------------
    UseCase(
        "about", ("about",), "关于", "版本、Python 与配置文件位置、已掌握放假安排的年份",
        "版本、Python 与配置文件位置、已掌握放假安排的年份。",
        tools.about, register="optional", group="帮助", icon="Info", large=True,
        doors=frozenset({"ribbon"}), why_not="加载项的信息；命令行用 zhicheng --version，台账工具页面底部显示版本"),
    UseCase(
        "selfcheck", ("selfcheck",), "自检", "检查加载项能否工作",
        "检查加载项能否工作：Python 的位置和版本、软件与 xlwings 版本是否一致、xlwings DLL 能否加载、使用的配置文件，"
        "以及 Excel 能否启动 Python（安全软件拦截时会说明）。不需要打开台账。",
        None, register="none", group="帮助", icon="FileDocumentInspect", large=True,
        doors=frozenset({"ribbon"}), why_not="在 VBA 中运行（Python 不能启动时也要能说明原因）"),
    UseCase(
        "demo", ("demo",), "演示", "用内置示例台账演示：复制、刷新计算、生成全部材料并汇总",
        "把内置的示例台账（虚构人员）复制到输出文件夹，刷新计算列、统计和日志，生成评审会名单、评分表、会议记录、公示名单、"
        "财务表和附件1—4，并打印汇总。",
        None, register="none", group="命令行工具", doors=CLI_ONLY, why_not="开发与培训用的演示",
        params=(Param("out", "text", "输出文件夹", "输出文件夹（默认 ./demo-output）", flag="--out", metavar="文件夹",
                      default="demo-output"),
                Param("rules", "flag", "逐条演示规则", "改为逐条演示各项规则的计算", flag="--rules"))),
    UseCase(
        "schema", ("schema",), "台账的列", "列出台账的工作表和列", "列出台账各工作表的列（表头、键、是否计算列）。",
        tools.schema, register="none", group="命令行工具", doors=CLI_ONLY, why_not="供其他工具读取",
        params=(Param("json", "flag", "JSON", "以 JSON 输出", flag="--json"),)),
    UseCase(
        "build-addin", ("build-addin",), "构建加载项", "构建 Excel 加载项（zhicheng.xlam）",
        "由软件包中的 VBA 与功能区定义（由用例表生成）、已安装的 xlwings 和 Python 工作表函数构建 Excel 加载项 "
        "zhicheng.xlam（在任何系统上都可构建；同样的输入得到完全相同的文件）。",
        None, register="none", group="命令行工具", doors=CLI_ONLY, why_not="安装与维护",
        params=(Param("out", "text", "输出文件夹", "输出文件夹（默认 ./dist）", flag="--out", metavar="文件夹",
                      default="dist"),)),
    UseCase(
        "install-addin", ("install-addin",), "安装加载项", "在 Windows 上安装加载项（复制到 XLSTART 并写入配置，逐项检查）",
        "在 Windows 办公电脑上安装加载项：构建（或使用 --xlam 指定的）zhicheng.xlam，复制到 "
        "%APPDATA%\\Microsoft\\Excel\\XLSTART，并在 %USERPROFILE%\\.zhicheng\\zhicheng.conf 中写入本机 "
        "Python 的位置；然后逐项检查 Python、xlwings DLL（不在加载项找它的位置时复制过去）、配置文件和 "
        "XLSTART 中的副本，列出检查结果（有未通过的项目时退出代码为 1）。通常由软件文件夹中的 安装.bat 运行。"
        "其他系统上会说明替代做法。",
        None, register="none", group="命令行工具", doors=CLI_ONLY, why_not="安装与维护",
        params=(Param("xlam", "text", "加载项文件", "使用已构建的加载项文件（默认按本机已安装的 xlwings 现场构建）",
                      flag="--xlam", metavar="文件"),)),
    UseCase(
        "launcher", ("launcher",), "台账工具", "打开台账工具（本机网页：全年的各项操作，不需要 Excel）",
        "在本机（127.0.0.1）打开台账工具页面：选择台账后点按钮即可完成全年的各项操作（新建台账、导入、校验、刷新、生成材料、"
        "财务、抽取评委、评分表、名单、会议记录、公示），结果与命令行相同。供 WPS、LibreOffice 和信创桌面使用。",
        None, register="none", group="命令行工具", doors=CLI_ONLY, why_not="台账工具本身",
        params=(Param("place", "text", "台账或文件夹", "台账文件或其所在文件夹（可省略，在页面中选择）", metavar="台账"),
                Param("port", "text", "端口", "本机端口（默认自动选择空闲端口）", flag="--port", metavar="端口"),
                Param("no_browser", "flag", "不打开浏览器", "不自动打开浏览器（只显示网址）", flag="--no-browser"),
                Param("shortcut", "text", "图标文件夹",
                      "不启动，改为在该文件夹中生成台账工具的图标（Windows：台账工具.bat；Linux：.desktop 文件）",
                      flag="--shortcut", metavar="文件夹"))),
)

#: the command line's parents of two-word commands: word -> (help, description)
PARENTS = {"finance": ("财务表导出与缴费导入",
                       "export：生成给财务审计办公室的缴费表（不含身份证号）；import：把财务录入的缴费合并到台账“缴费”表。")}

_BY_NAME = {uc.name: uc for uc in TABLE}
_BY_COMMAND = {" ".join(uc.command): uc for uc in TABLE}


def by_name(name: str) -> UseCase:
    return _BY_NAME[name]


def by_command(words: str) -> UseCase | None:
    return _BY_COMMAND.get(words)


def for_door(door: str) -> list[UseCase]:
    return [uc for uc in TABLE if door in uc.doors]


def by_tag(tag: str) -> tuple[UseCase, str] | None:
    """The use case and variant of a ribbon tag / page action (``record.forms``)."""
    name, _, key = tag.partition(".")
    uc = _BY_NAME.get(name)
    if uc is None or key not in {v.key for v in uc.buttons}:
        return None
    return uc, key

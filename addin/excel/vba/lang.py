"""Facts of the VBA language the add-in's checks rely on, written from the specification.

Source: [MS-VBAL] VBA Language Specification (Microsoft, version of 2025-05-20),
section 3.3.5.2 "Reserved Identifiers and IDENTIFIER"
(https://learn.microsoft.com/en-us/openspecs/microsoft_general_purpose_programming_languages/ms-vbal/7df907cb-ab6c-40d3-aa81-272742ce00c3).

``IDENTIFIER = <any lex-identifier that is not a reserved-identifier>``, and the grammar
uses IDENTIFIER (not ``name``) for every name a module declares: procedure names
(``subroutine-name = IDENTIFIER / prefixed-name``, 5.3.1), parameters
(``untyped-name-param-dcl = IDENTIFIER [parameter-type]``, 5.3.1.5), variables
(``untyped-variable-dcl = IDENTIFIER ...``, 5.2.3.1), constants (5.2.3.2), enum names and
members (5.2.3.4), labels (``identifier-statement-label = IDENTIFIER``, 5.4.1.1). So a
reserved identifier can never be declared there: ``ByVal fix As String`` stops the VBE with
"Expected: identifier" (issue 21, A.1). It may still be *used*: a ``reserved-name`` such as
``Fix`` or ``Len`` is "used within expressions as if it was a normal program defined
entity", which is why ``Len(s)`` compiles and ``Dim len`` does not.

Two exceptions the grammar allows, kept here so the checks do not overreach:

- a member of a user-defined type may be a reserved identifier when it has an
  ``As`` clause (``reserved-name-member-dcl = reserved-member-name as-clause``, 5.2.3.3);
- a name in square brackets (``FOREIGN-NAME``, 3.3.5.3) is not an IDENTIFIER at all.

Words that are *not* reserved although they name statements or functions (``Name``,
``Mid``, ``Error``, ``Line``, ``Property``, ``Lib``, ``Object``...) are ordinary identifiers
per 3.3.5.2; xlwings' own module declares ``Name``, ``Path`` and ``Default`` parameters,
which is how the VBE has always accepted them.
"""

from __future__ import annotations

import re

# statement-keyword: "the first syntactic item of a statement or declaration"
STATEMENT_KEYWORDS = (
    "Call", "Case", "Close", "Const", "Declare", "DefBool", "DefByte", "DefCur", "DefDate", "DefDbl",
    "DefInt", "DefLng", "DefLngLng", "DefLngPtr", "DefObj", "DefSng", "DefStr", "DefVar", "Dim", "Do",
    "Else", "ElseIf", "End", "EndIf", "Enum", "Erase", "Event", "Exit", "For", "Friend", "Function",
    "Get", "Global", "GoSub", "GoTo", "If", "Implements", "Input", "Let", "Lock", "Loop", "LSet", "Next",
    "On", "Open", "Option", "Print", "Private", "Public", "Put", "RaiseEvent", "ReDim", "Resume",
    "Return", "RSet", "Seek", "Select", "Set", "Static", "Stop", "Sub", "Type", "Unlock", "Wend",
    "While", "With", "Write",
)
REM_KEYWORD = ("Rem",)
# marker-keyword: "part of the interior syntactic structure of a statement"
MARKER_KEYWORDS = (
    "Any", "As", "ByRef", "ByVal", "Case", "Each", "Else", "In", "New", "Shared", "Until", "WithEvents",
    "Write", "Optional", "ParamArray", "Preserve", "Spc", "Tab", "Then", "To",
)
OPERATOR_IDENTIFIERS = (
    "AddressOf", "And", "Eqv", "Imp", "Is", "Like", "New", "Mod", "Not", "Or", "TypeOf", "Xor",
)
# reserved-name: "used within expressions as if it was a normal program defined entity"
RESERVED_NAMES = (
    "Abs", "CBool", "CByte", "CCur", "CDate", "CDbl", "CDec", "CInt", "CLng", "CLngLng", "CLngPtr",
    "CSng", "CStr", "CVar", "CVErr", "Date", "Debug", "DoEvents", "Fix", "Int", "Len", "LenB", "Me",
    "PSet", "Scale", "Sgn", "String",
)
# special-form: used like a procedure name, with special rules for its arguments
SPECIAL_FORMS = ("Array", "Circle", "Input", "InputB", "LBound", "Scale", "UBound")
RESERVED_TYPE_IDENTIFIERS = (
    "Boolean", "Byte", "Currency", "Date", "Double", "Integer", "Long", "LongLong", "LongPtr", "Single",
    "String", "Variant",
)
LITERAL_IDENTIFIERS = ("True", "False", "Nothing", "Empty", "Null")
# the spec prints three of these with a trailing space inside the quotes ("VB_Ext_KEY "): a typo
RESERVED_FOR_IMPLEMENTATION_USE = (
    "Attribute", "LINEINPUT", "VB_Base", "VB_Control", "VB_Creatable", "VB_Customizable", "VB_Description",
    "VB_Exposed", "VB_Ext_KEY", "VB_GlobalNameSpace", "VB_HelpID", "VB_Invoke_Func", "VB_Invoke_Property",
    "VB_Invoke_PropertyPut", "VB_Invoke_PropertyPutRef", "VB_MemberFlags", "VB_Name", "VB_PredeclaredId",
    "VB_ProcData", "VB_TemplateDerived", "VB_UserMemId", "VB_VarDescription", "VB_VarHelpID",
    "VB_VarMemberFlags", "VB_VarProcData", "VB_VarUserMemId",
)
FUTURE_RESERVED = ("CDecl", "Decimal", "DefDec")

#: category -> words, in the order of 3.3.5.2's ``reserved-identifier`` rule
CATEGORIES: dict[str, tuple[str, ...]] = {
    "statement-keyword": STATEMENT_KEYWORDS,
    "marker-keyword": MARKER_KEYWORDS,
    "operator-identifier": OPERATOR_IDENTIFIERS,
    "special-form": SPECIAL_FORMS,
    "reserved-type-identifier": RESERVED_TYPE_IDENTIFIERS,
    "reserved-name": RESERVED_NAMES,
    "literal-identifier": LITERAL_IDENTIFIERS,
    "rem-keyword": REM_KEYWORD,
    "reserved-for-implementation-use": RESERVED_FOR_IMPLEMENTATION_USE,
    "future-reserved": FUTURE_RESERVED,
}

#: every reserved identifier, lower case (identifiers are case-insensitive, 3.3.5.1)
RESERVED = frozenset(word.lower() for words in CATEGORIES.values() for word in words)

#: 3.3.5: Latin-identifier = A-Z/a-z, then letters, digits, underscore. The VBE also caps
#: a name at 255 characters.
LATIN_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_IDENTIFIER = 255


def categories_of(name: str) -> list[str]:
    """The 3.3.5.2 categories ``name`` belongs to ([] for an IDENTIFIER)."""
    low = name.lower()
    return [cat for cat, words in CATEGORIES.items() if low in (w.lower() for w in words)]


def is_reserved(name: str) -> bool:
    return name.lower() in RESERVED


def identifier_problem(name: str) -> str | None:
    """Why ``name`` cannot be declared as an IDENTIFIER (in English, for developers), or None."""
    if not LATIN_IDENTIFIER.fullmatch(name):
        return f"{name!r} is not a VBA identifier (a letter, then letters, digits or _)"
    if len(name) > MAX_IDENTIFIER:
        return f"{name[:20]}... is longer than {MAX_IDENTIFIER} characters"
    cats = categories_of(name)
    if cats:
        return f"{name!r} is a reserved identifier ({', '.join(cats)}, MS-VBAL 3.3.5.2)"
    return None


# --- names a module may use without declaring them -------------------------------------------
# Not MS-VBAL: the members of the VBA library (VBA language reference, "Functions" and
# "Statements", learn.microsoft.com/office/vba/language/reference) and the global members
# of Excel's object model (Excel VBA reference, "Global object"). The syntax check
# (addin.excel.vba.check) resolves every name a module calls against its own declarations,
# the project's public ones and these lists; a name none of them holds is reported as
# "not defined", as the VBE reports "Sub or Function not defined" / "Variable not defined".

#: VBA library functions, procedures called as statements, and its objects (Err, Debug,
#: Collection); a type suffix ($) is stripped before the lookup
VBA_LIBRARY = frozenset(w.lower() for w in """
    Abs AppActivate AppleScriptTask Array Asc AscB AscW Atn Beep CallByName CBool CByte CCur CDate CDbl CDec
    ChDir ChDrive Choose Chr ChrB ChrW CInt CLng CLngLng CLngPtr Collection Command Cos CreateObject CSng
    CStr CurDir CVar CVDate CVErr Date DateAdd DateDiff DatePart DateSerial DateValue Day DDB Debug
    DeleteSetting Dir DoEvents Environ EOF Erl Err Error Exp FileAttr FileCopy FileDateTime FileLen Filter
    Fix Format FormatCurrency FormatDateTime FormatNumber FormatPercent FreeFile FV GetAllSettings GetAttr
    GetObject GetSetting Hex Hour IIf IMEStatus Input InputB InputBox InStr InStrB InStrRev Int IPmt IRR
    IsArray IsDate IsEmpty IsError IsMissing IsNull IsNumeric IsObject Join Kill LBound LCase Left LeftB Len
    LenB Load LoadPicture Loc LOF Log LTrim MacID MacScript Mid MidB Minute MIRR MkDir Month MonthName
    MsgBox Name Now NPer NPV ObjPtr Oct Partition Pmt PPmt PV QBColor Randomize Rate Replace Reset RGB Right
    RightB RmDir Rnd Round RTrim SaveSetting Second Seek SendKeys SetAttr Sgn Shell Sin SLN Space Spc Split
    Sqr Str StrComp StrConv String StrPtr StrReverse Switch SYD Tab Tan Time Timer TimeSerial TimeValue
    Trim TypeName UBound UCase Unload Val VarPtr VarType Weekday WeekdayName Width Year
""".split())

#: Excel's Global object: members usable without "Application."
EXCEL_GLOBALS = frozenset(w.lower() for w in """
    ActiveCell ActiveChart ActiveDialog ActiveMenuBar ActivePrinter ActiveSheet ActiveWindow ActiveWorkbook
    AddIns Application Assistant Calculate Cells Charts Columns CommandBars Creator DDEAppReturnCode
    DDEExecute DDEInitiate DDEPoke DDERequest DDETerminate DialogSheets Evaluate Excel4IntlMacroSheets
    Excel4MacroSheets ExecuteExcel4Macro Intersect MenuBars Modules Names Parent Range Rows Run Selection
    Sheets ShortcutMenus ThisWorkbook Toolbars Union Windows Workbooks WorksheetFunction Worksheets
""".split())

#: enumerated constants of the VBA (vbCrLf, vbCritical...), Excel (xlDown...) and Office
#: (msoTrue...) libraries: a prefix, then a capital letter
LIBRARY_CONSTANT = re.compile(r"(?:vb|xl|mso)[A-Z0-9]\w*")

#: conditional compilation constants VBA itself defines (VBA language reference,
#: "Compiler constants"); the checks evaluate #If for each Windows Excel in CONFIGURATIONS
COMPILER_CONSTANTS = ("VBA6", "VBA7", "Win16", "Win32", "Win64", "Mac")

"""Recognise the lines mail clients put above quoted or forwarded history, in many languages."""

from __future__ import annotations

import re

from mailparser_reply.constants import MAIL_LANGUAGES

#: Words that open an "On <date>, <name> wrote:" line, per language.
INTRO_WORDS = r"On|Le|Am|El|Il|Op|W dniu|Em|No dia|Den|På|Dne|Vào|În|Dňa|Am|Op"

#: Verbs that close a quote header ("wrote:", "a écrit :", "schrieb:", "пишет:" ...).
WROTE_VERBS = (
    r"wrote|writes|a écrit|schrieb|escribió|escribio|ha scritto|scrisse|schreef|"
    r"het volgende geschreven|geschreven|pisze|napisał|napisała|escreveu|"
    r"skrev|skrifaði|kirjoitti|napsal|napísal|пишет|написал|написала|"
    r"пише|написав|đã viết|a scris|yazdı|έγραψε|írta|kirjutas|rašė|rakstīja|menulis|"
    r"je napisao/la|je napisao|je napisala|napisao|napisala|kirjoitti|كتب|מאת"
)

#: The end of a quote header: the verb, maybe a name (German), and a colon.
HEADER_TAIL = rf"(?:{WROTE_VERBS})(?:\(a\))?(?:\s+[^\s:：]+){{0,6}}?\s*[:：]\s*-*\s*$"

#: A whole line that is a quote header.
WROTE_RE = re.compile(rf"^\s*-*\s*(?P<body>.*?)\b{HEADER_TAIL}", re.IGNORECASE)

#: A quote header starting at an "On"-like word ("thanks On Mon, ... wrote:" shares a line).
INLINE_WROTE_RE = re.compile(rf"(?:{INTRO_WORDS})\s[^\d]*\d.*?{HEADER_TAIL}")

#: Where an "On"-like word may start a header in the middle of a line.
INTRO_AFTER_TEXT_RE = re.compile(rf"(?<=\S)[\s-]+(?=(?:{INTRO_WORDS})\s)")

#: Any of the verbs, to skip lines that cannot be headers quickly.
VERB_RE = re.compile(rf"\b(?:{WROTE_VERBS})", re.IGNORECASE)

#: How many places in one line are tried as the start of a shared-line header.
MAX_INLINE_TRIES = 4

#: Quote headers of CJK clients: "...写道：", "...寫道:", "...のメッセージ:", "...作成:".
CJK_WROTE_RE = re.compile(r"(写道|寫道|書きました|のメッセージ|작성|님이 작성)\s*[:：]?\s*$")

#: An address in angle brackets, as quote headers show the quoted sender.
ANGLE_ADDRESS = r"<[^\s<>@]+@[^\s<>@]+>"

#: A header with no verb: "2011/4/7 Name <a@b.c>", "пн, 13 янв. 2020 г. в 12:00, Name <a@b.c>:".
DATE_EMAIL_RE = re.compile(
    rf"^\s*(?:\d{{1,4}}[/.年-]\s*\d{{1,2}}[/.月-]\s*\d{{1,4}}日?.*{ANGLE_ADDRESS}\s*[:：]?"
    rf"|(?:\w{{1,5}}\.?,?\s+)?\d.{{0,120}}{ANGLE_ADDRESS}\s*[:：])\s*$"
)

#: Where a verb follows the quoted sender's address ("Ann <a@b.c> schrieb am ...").
ADDRESS_VERB = rf"{ANGLE_ADDRESS}\s*\)?,?\s*(?:\w+\s+)?(?:{WROTE_VERBS})\b"

#: Webmail's (Horde, Roundcube) "Quoting Ann <a@b.c>:" above a quoted message.
QUOTING_RE = re.compile(
    r"^\s*(?:quoting|zitat von|citando|citation de|cytuję|цитирую|citerar|citaat van)\s"
    r".{0,100}@[^\s:：]+\s*[:：]\s*$",
    re.IGNORECASE,
)

#: "Ann <a@b.c> schrieb am So., 23. Juni 2024, 21:08:": the date comes after the verb.
ADDRESS_VERB_DATE_RE = re.compile(
    rf"^[^<>]{{0,80}}{ADDRESS_VERB}.{{0,80}}\d.{{0,40}}[:：]\s*$", re.I
)

#: "Ann Smith schrieb am 12.01.2026 um 10:00:": name, verb, then a dated "on" phrase.
NAME_VERB_DATE_RE = re.compile(
    r"^[^<>:]{1,80}\s(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał|escreveu)"
    r"\s+(?:am|on|le|el|il|op|den|em|w dniu)\s+[^:]{0,25}?"
    r"(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4})"
    r"(?:,?\s*(?:um|at|à|a las|alle|om|kl\.?|o)?\s*\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?)?"
    r"\s*[:：]\s*$",
    re.IGNORECASE,
)

#: Mutt's configurable attribution "* Ann <a@b.c> [2026-03-02 09:00]:" (no verb).
BRACKET_DATE_RE = re.compile(rf"^\s*\*\s.{{0,80}}{ANGLE_ADDRESS}\s*\[[^\]]*\d[^\]]*\]\s*[:：]\s*$")

#: "---- John Smith wrote ----" (Android), with no colon.
DASHED_WROTE_RE = re.compile(rf"^\s*-{{2,}}[^-]*\b(?:{WROTE_VERBS})\b[^-]*-{{2,}}\s*$", re.I)

#: "On <date>, <name> <address> sent:", a rarer verb, taken only with a date and an address.
SENT_HEADER_RE = re.compile(
    rf"^\s*-*\s*(?:{INTRO_WORDS})\s[^:]*\d.*{ANGLE_ADDRESS}\s*sent\s*[:：]\s*$", re.IGNORECASE
)

#: Separator lines opening a forwarded or original message, in many languages.
SEPARATOR_RE = re.compile(
    r"(?:"
    r"original message|reply message|antwort nachricht|original-nachricht|ursprüngliche nachricht|"
    r"weitergeleitete nachricht|forwarded message|message d'origine|message original|"
    r"message transféré|mensaje original|mensaje reenviado|messaggio originale|"
    r"messaggio inoltrato|oorspronkelijk bericht|doorgestuurd bericht|"
    r"oprindelig besked|ursprungligt meddelande|wiadomość oryginalna|wiadomość przekazana|"
    r"mensagem original|mensagem encaminhada|"
    r"originalmeddelande|vidarebefordrat meddelande|oprindelig meddelelse|"
    r"videresendt meddelelse|opprinnelig melding|videresendt melding|"
    r"исходное сообщение|пересылаемое сообщение|пересланное сообщение|"
    r"вихідне повідомлення|переслане повідомлення|原始邮件|原始郵件|转发的邮件|"
    r"元のメッセージ|転送されたメッセージ|alkuperäinen viesti|původní zpráva|"
    r"orijinal ileti|eredeti üzenet|reply above this line|reply below this line"
    r")\b",
    re.IGNORECASE,
)

#: Lines that open a forwarded message without dashes.
FORWARD_INTRO_RE = re.compile(
    r"^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|"
    r"début du message réexpédié|inicio del mensaje reenviado|"
    r"inizio messaggio inoltrato|begin doorgestuurd bericht|"
    r"início da mensagem reencaminhada|vidarebefordrat brev|"
    r"начало переадресованного сообщения|転送されたメッセージ|"
    r"in[íi]cio da mensagem encaminhada|start på videresendt besked|videresendt (besked|melding)|"
    r"välitetty viesti alkaa|początek przekazywanej wiadomości|začátek přeposílané zprávy|"
    r"yönlendirilen ileti başlangıcı|전달된 메시지|转发的邮件|以下是转发的邮件)\s*[:：]\s*$",
    re.IGNORECASE,
)

#: Characters that frame a separator's words.
SEPARATOR_FRAME = "-=_*#~ \t"

#: Longest framed text read as a separator ("Please type your reply above this line").
MAX_FRAMED_CHARS = 60

#: A lone "From:" field naming an address ("From: Ann <a@b.c>", "Gönderen: a@b.c").
LONE_FROM_RE = re.compile(
    r"^\s*\*?(?:from|von|de|da|van|od|från|fra|от|від|kimden|gönderen|feladó|差出人|发件人|寄件者)"
    r"\s*\*?\s*[:：]\s*[^<>@\s][^<>@]{0,80}(?:<[^\s<>@]+@[^\s<>@]+>|\[mailto:[^\]]+\])\s*$"
    r"|^\s*\*?(?:from|von|de|gönderen)\s*\*?\s*[:：]\s*[^\s<>@]+@[^\s<>@]+\.\w+\s*$",
    re.IGNORECASE,
)

#: Outlook's line of underscores above the quoted message.
UNDERSCORES_RE = re.compile(r"^\s*_{30,}\s*$")

#: Header names Outlook and webmail write above a quoted message, in many languages.
FIELD_NAMES = (
    "from|sent|date|to|cc|bcc|subject|reply-to|von|gesendet|datum|an|betreff|"
    "de|envoyé|envoyé le|date d'envoi|à|a|objet|enviado|enviado el|enviada|fecha|"
    "para|asunto|da|inviato|data|oggetto|van|verzonden|aan|onderwerp|od|wysłano|"
    "wysłane|do|temat|dw|assunto|från|skickat|till|ämne|kopia|fra|sendt|til|emne|"
    "dato|kopi|от|отправлено|дата|кому|тема|копия|від|надіслано|відправлено|"
    "差出人|送信日時|宛先|件名|日付|发件人|发送时间|收件人|主题|日期|抄送|寄件者|寄件人|"
    "傳送時間|寄件日期|收件者|主旨|副本|lähettäjä|lähetetty|vastaanottaja|aihe|"
    "odesláno|komu|předmět|kimden|gönderildi|kime|konu|보낸 사람|받는 사람|제목|날짜|"
    "보낸 날짜|enviada em|enviado em|feladó|elküldve|címzett|tárgy|dátum|másolat|από|"
    "στάλθηκε|προς|θέμα|κοιν|de la|trimis|către|subiect|dari|dikirim|kepada|perihal|"
    "tanggal|gönderen|tarih|מאת|נשלח|אל|נושא|من|أرسل|إلى|الموضوع|từ|đã gửi|đến|chủ đề"
)

#: A line that starts with one header field ("From:", "*De :*", "发件人：").
FIELD_RE = re.compile(rf"^\s*\*?(?P<name>{FIELD_NAMES})\s*\*?\s*[:：]", re.I)

#: Header fields that begin an Outlook-style block (the others may only follow them).
FIRST_FIELDS = {
    "from", "date", "sent", "von", "de", "da", "van", "od", "från", "fra", "от", "від",
    "差出人", "发件人", "寄件者", "寄件人", "lähettäjä", "kimden", "보낸 사람", "datum",
    "fecha", "data", "日期", "feladó", "από", "de la", "dari", "gönderen", "מאת", "من", "từ",
}  # fmt: skip

#: The library's "On ... wrote:" patterns, one per language it knows.
LIBRARY_WROTE = [
    re.compile(lang["wrote_header"], re.IGNORECASE | re.MULTILINE)
    for lang in MAIL_LANGUAGES.values()
    if lang.get("wrote_header")
]

#: Longest line checked against the patterns (long lines are never headers).
MAX_HEADER_CHARS = 300


def wrote_header_start(line: str) -> int | None:
    """Return where a "... wrote:" quote header starts in the line, or None."""
    if len(line) > MAX_HEADER_CHARS:
        # Only a header sharing the end of a long paragraph can be there; look at the end.
        offset = len(line) - MAX_HEADER_CHARS
        start = wrote_header_start(line[offset:])
        return offset + start if start else None
    if not line.strip():
        return None
    if CJK_WROTE_RE.search(line) or DATE_EMAIL_RE.match(line) or SENT_HEADER_RE.match(line):
        return 0
    if BRACKET_DATE_RE.match(line):
        return 0
    if ADDRESS_VERB_DATE_RE.match(line) or QUOTING_RE.match(line) or NAME_VERB_DATE_RE.match(line):
        return 0
    has_verb = VERB_RE.search(line) is not None
    if has_verb and DASHED_WROTE_RE.match(line):
        return 0
    if not has_verb or not line.rstrip(" \t-").endswith((":", "：")):
        return None
    if any(p.match(line) for p in LIBRARY_WROTE):
        return 0
    return _verb_header_start(line)


def _verb_header_start(line: str) -> int | None:
    """Find an "<intro> <date>, <name> <verb>:" header, at the start or after the reply."""
    match = WROTE_RE.match(line)
    if match is not None and _starts_with_intro(match.group("body")):
        return 0
    for count, gap in enumerate(INTRO_AFTER_TEXT_RE.finditer(line)):
        if count >= MAX_INLINE_TRIES:
            break
        if INLINE_WROTE_RE.match(line, gap.end()):
            return gap.start()
    if match is not None and re.search(r"\d|@", match.group("body")):
        return 0
    return None


def _starts_with_intro(body: str) -> bool:
    """Tell whether a header body opens with an "On"-like word of some language."""
    return re.match(rf"(?:{INTRO_WORDS})\s", body, re.IGNORECASE) is not None


def may_open_header(line: str) -> bool:
    """Tell whether a line could be the first line of a quote header wrapped over lines."""
    body = line.strip().lstrip("-").strip()
    if _starts_with_intro(body) or re.match(r"\D{0,6}\d", body) is not None:
        return True
    return len(body) <= MAX_HEADER_CHARS and re.search(ADDRESS_VERB, body, re.I) is not None


def is_separator(line: str) -> bool:
    """Tell whether the line opens a forwarded or original message.

    The words may be framed by rule characters ("-----Original Message-----", "##- Please
    type your reply above this line -##"), a few words before them in a short frame.
    """
    stripped = line.strip()
    body = stripped.lstrip(SEPARATOR_FRAME)
    if len(stripped) - len(body) >= 2 and SEPARATOR_RE.match(body):
        return True
    framed = body.rstrip(SEPARATOR_FRAME)
    if len(stripped) - len(framed) >= 4 and len(framed) <= MAX_FRAMED_CHARS:
        if SEPARATOR_RE.search(framed):
            return True
    return FORWARD_INTRO_RE.match(stripped) is not None


def field_name(line: str) -> str | None:
    """Return the lower-case header field name a line starts with, if any."""
    match = FIELD_RE.match(line)
    return match.group("name").strip().lower() if match else None


def is_field_block(lines: list[str], index: int) -> bool:
    """Tell whether an Outlook-style header block ("From:", "Sent:", ...) starts here.

    A block has two fields or more; a lone "From: Name <address>" counts when it stands
    apart, below the reply, as a client writes it above a quoted message.
    """
    first = field_name(lines[index])
    if first not in FIRST_FIELDS:
        return False
    names = {first}
    for line in lines[index + 1 : index + 8]:
        name = field_name(line)
        if name:
            names.add(name)
    return len(names) >= 2 or _lone_from(lines, index)


def _lone_from(lines: list[str], index: int) -> bool:
    """A single "From:" line naming an address, after a blank line below the reply."""
    if index < 2 or lines[index - 1].strip() or not "".join(lines[:index]).strip():
        return False
    return LONE_FROM_RE.match(lines[index]) is not None

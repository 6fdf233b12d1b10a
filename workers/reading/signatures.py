"""Find where a signature or a mobile client's sign-off ends the person's words."""

from __future__ import annotations

import re

#: The standard signature delimiter ("-- "), its mangled forms, and a short rule of underscores
#: (mailing-list footers); Outlook's longer rule opens quoted history instead.
DELIMITER_RE = re.compile(r"^(?:--|—|_{2,29})\s*$")

#: Verbs saying a message was sent (in many languages); a few words may come before them.
SENT_VERBS = (
    r"sent|envoyé|envoye|gesendet|verzonden|enviado|enviada|inviato|skickat|sendt|"
    r"wysłane|wysłano|отправлено|надіслано|送信|发自|傳送|verstuurd|lähetetty|odesláno|"
    r"odeslano|odoslané|gönderildi|elküldve|trimis|dikirim"
)

#: Words that open a sign-off without a verb ("Get Outlook for iOS", "From my iPhone").
OPENING_WORDS = r"get|from|von meinem|de mon|da mio|desde mi|從我的|someone from"

#: Outlook mobile's "Get Outlook for Android" in other languages ("Obtener Outlook para iOS").
OUTLOOK_PROMO_RE = re.compile(
    r"^\W{0,3}(?:download|obtener|descargar|baixar|obter|obtenir|télécharger|scarica|pobierz|"
    r"hämta|скачать|получить|hent|haal|hole)\s+(?:\S+\s+){0,2}?outlook(?:\s+\S+){1,3}\W{0,3}$",
    re.IGNORECASE,
)

#: Devices and mail apps named in sign-offs.
DEVICE_WORDS = (
    r"iphone|ipad|ipod|android|mobile|phone|galaxy|blackberry|device|windows|outlook|"
    r"samsung|htc|airmail|mailbox|yahoo|k-9|handy|mobilgerät|téléphone|smartphone|"
    r"mobiltelefon|móvil|cellulare|telefon|телефон|mail app|gmail app|tablet|pc|"
    r"ti-85|cell|ios|alcatel|huawei|xiaomi|pixel|nokia|motorola|sony|lg|proton|mail\.ru|"
    r"tutanota|tuta"
)

#: Endings some languages add to a device name ("iPhonesta", "iPhonu", "iPhone'a").
DEVICE_SUFFIX = r"(?:'?\w{1,4})?"

#: A short line that is a client's sign-off ("Sent from my iPhone", "Get Outlook for iOS").
SIGN_OFF_RE = re.compile(
    rf"^\W{{0,3}}(?:(?:\S+\s+){{0,3}}?(?:{SENT_VERBS})|{OPENING_WORDS})\s+"
    rf"(?:\S+\s+){{0,3}}?\W?(?:{DEVICE_WORDS}){DEVICE_SUFFIX}\b",
    re.IGNORECASE,
)

#: Sign-offs of CJK clients, written without spaces ("发自我的iPhone", "iPhoneから送信").
CJK_SIGN_OFF_RE = re.compile(
    rf"^\W{{0,3}}(?:(?:发自|發自|寄自|从|從)我的\s*\S+|(?:{DEVICE_WORDS})\S{{0,12}}(?:から|より)送信)",
    re.IGNORECASE,
)

#: A sign-off ending with its verb ("Von meinem iPhone gesendet", "... mit K-9 Mail gesendet.").
VERB_LAST_RE = re.compile(rf"(?:{DEVICE_WORDS}).{{0,60}}\b(?:{SENT_VERBS})\W{{0,3}}$", re.I)

#: "Sent from TypeApp <https://...>": a sign-off naming an app, then at most a link.
APP_SIGN_OFF_RE = re.compile(
    r"^\W{0,3}(?:sent|envoyé|gesendet|enviado|inviato|verzonden|skickat|sendt)\s+"
    r"(?:from|with|via|using|de|avec|mit|von|con|desde|met|från|fra)\s+(?:my\s+)?\S+"
    r"(?:\s+mail)?"
    r"(?:\s*<?https?://\S*>?)?\W{0,3}$",
    re.IGNORECASE,
)

#: A sign-off written as a header field naming only the device ("Gönderen: iPhone").
FIELD_SIGN_OFF_RE = re.compile(
    rf"^\W{{0,3}}(?:gönderen|gönderildi|from|sent|von|gesendet|de|envoyé|enviado|inviato|"
    rf"verzonden|skickat|sendt|от|отправлено)\s*:\s*(?:my\s+)?(?:{DEVICE_WORDS}){DEVICE_SUFFIX}"
    rf"(?:\s+\w{{1,12}})?\W{{0,3}}$",
    re.IGNORECASE,
)

#: "Sent from my Fairphone 4", "Sent via the Acme Mail app": a few words, no clause after them.
SENT_FROM_RE = re.compile(
    r"^\W{0,3}(?:sent|envoyé|gesendet|enviado|inviato|verzonden|skickat|sendt)\s+"
    r"(?:from|with|via|using|by|depuis|avec|mit|von|con|desde|met|från|fra)\s+"
    r"(?:my\s+|mon\s+|mein\w*\s+|mi\s+|mio\s+|the\s+)?[^\s,;.!?]+(?:\s+[^\s,;!?]+){0,5}\W{0,3}$",
    re.IGNORECASE,
)

#: Longest line taken as a sign-off.
MAX_SIGN_OFF_CHARS = 160

#: Most words in a sign-off; a longer line, or a question, is the person talking.
MAX_SIGN_OFF_WORDS = 12

#: Lines allowed after a sign-off that are not sign-offs themselves.
MAX_LINES_AFTER = 2


def is_sign_off(line: str) -> bool:
    """Tell whether a line is a mail client's automatic sign-off."""
    line = line.strip()
    if not 0 < len(line) <= MAX_SIGN_OFF_CHARS or line.endswith("?"):
        return False
    if len(line.split()) > MAX_SIGN_OFF_WORDS:
        return False
    if CJK_SIGN_OFF_RE.match(line) or OUTLOOK_PROMO_RE.match(line):
        return True
    if FIELD_SIGN_OFF_RE.match(line) or SENT_FROM_RE.match(line):
        return True
    return bool(SIGN_OFF_RE.match(line) or APP_SIGN_OFF_RE.match(line) or VERB_LAST_RE.search(line))


def strip_signature(lines: list[str]) -> list[str]:
    """Cut the reply at a "-- " delimiter or at a trailing run of client sign-offs."""
    for index, line in enumerate(lines):
        if DELIMITER_RE.match(line) and index > 0:
            return lines[:index]
        if is_sign_off(line) and _ends_message(lines[index + 1 :]):
            return lines[:index]
    return lines


def _ends_message(rest: list[str]) -> bool:
    """Tell whether the lines after a sign-off are only more sign-offs or a few short lines."""
    others = [line for line in rest if line.strip() and not is_sign_off(line)]
    return len(others) <= MAX_LINES_AFTER

// Print, as JSON, each VEVENT's UID, RECURRENCE-ID, SUMMARY and its DTSTART/DTEND in UTC,
// as ical.js (Thunderbird's calendar parser) reads them.
//
// Usage: node ical_instants.mjs [FILE.ics ...]   (no file: read stdin)
// Input may hold several VCALENDARs; "calendar" numbers them from 0 in reading order.
// Times are resolved only through the VTIMEZONEs of the same VCALENDAR, as Thunderbird
// does for a zone it does not know, so a wrong VTIMEZONE shows as a wrong instant.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function utc(time) {
  if (!time) return null;
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

function calendars(text) {
  const parsed = ICAL.parse(text);
  // One VCALENDAR parses to a jCal array; several parse to an array of them.
  const list = typeof parsed[0] === "string" ? [parsed] : parsed;
  return list.map((jcal) => new ICAL.Component(jcal));
}

function read(calendar, index) {
  ICAL.TimezoneService.reset();
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  return calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const recurrence = vevent.getFirstPropertyValue("recurrence-id");
    return {
      calendar: index,
      uid: event.uid,
      summary: event.summary,
      recurrence_id: recurrence ? utc(recurrence) : null,
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      start: utc(event.startDate),
      end: utc(event.endDate),
    };
  });
}

const files = process.argv.slice(2);
const texts = files.length ? files.map((f) => readFileSync(f, "utf8")) : [readFileSync(0, "utf8")];
const found = [];
let index = 0;
for (const text of texts) {
  for (const calendar of calendars(text)) {
    found.push(...read(calendar, index++));
  }
}
process.stdout.write(JSON.stringify(found, null, 1) + "\n");

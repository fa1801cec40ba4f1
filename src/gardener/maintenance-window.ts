/**
 * A shoot's daily maintenance time window (`Shoot.spec.maintenance.timeWindow`), in seconds of the
 * UTC day. `begin > end` is a window that crosses midnight. Gardener writes both ends as
 * `HHMMSS+ZZZZ` (Go layout `150405-0700`) and compares them in UTC; so do we.
 */
export interface MaintenanceWindow {
  /** Seconds after 00:00:00 UTC. */
  beginSeconds: number;
  endSeconds: number;
}

const daySeconds = 24 * 60 * 60;

/** The window Gardener assumes when a shoot has none: the whole day. */
export const alwaysMaintenanceWindow: MaintenanceWindow = { beginSeconds: 0, endSeconds: daySeconds - 1 };

const timePattern = /^(\d{2})(\d{2})(\d{2})([+-])(\d{2})(\d{2})$/;

/** Seconds after 00:00 UTC of a `HHMMSS+ZZZZ` time, or an error text naming the value. */
export function parseMaintenanceTime(value: string): number | { error: string } {
  const match = timePattern.exec(value);
  if (!match) return { error: `"${value.slice(0, 32)}" is not of the form HHMMSS+ZZZZ` };
  const [hour, minute, second, sign, zoneHour, zoneMinute] = [
    Number(match[1]),
    Number(match[2]),
    Number(match[3]),
    match[4],
    Number(match[5]),
    Number(match[6]),
  ];
  if (hour > 23 || minute > 59 || second > 59 || zoneHour > 23 || zoneMinute > 59) {
    return { error: `"${value}" is out of range` };
  }
  const local = hour * 3600 + minute * 60 + second;
  const offset = (sign === '-' ? -1 : 1) * (zoneHour * 3600 + zoneMinute * 60);
  return (((local - offset) % daySeconds) + daySeconds) % daySeconds;
}

/**
 * Decodes `spec.maintenance.timeWindow` of a shoot. No window at all is the whole day, as in
 * Gardener; a malformed one is an error value, so the caller decides (the controller treats it as
 * closed rather than upgrading at a time the owner did not choose).
 */
export function decodeMaintenanceWindow(timeWindow: unknown): MaintenanceWindow | { error: string } {
  if (timeWindow === undefined || timeWindow === null) return alwaysMaintenanceWindow;
  if (typeof timeWindow !== 'object' || Array.isArray(timeWindow)) {
    return { error: 'spec.maintenance.timeWindow is not an object' };
  }
  const { begin, end } = timeWindow as { begin?: unknown; end?: unknown };
  if (typeof begin !== 'string' || typeof end !== 'string') {
    return { error: 'spec.maintenance.timeWindow needs begin and end' };
  }
  const beginSeconds = parseMaintenanceTime(begin);
  if (typeof beginSeconds !== 'number')
    return { error: `spec.maintenance.timeWindow.begin: ${beginSeconds.error}` };
  const endSeconds = parseMaintenanceTime(end);
  if (typeof endSeconds !== 'number')
    return { error: `spec.maintenance.timeWindow.end: ${endSeconds.error}` };
  return { beginSeconds, endSeconds };
}

function secondsOfDay(date: Date): number {
  return date.getUTCHours() * 3600 + date.getUTCMinutes() * 60 + date.getUTCSeconds();
}

/**
 * Whether `now` lies in the window, both ends included. A window whose begin equals its end is
 * read as the whole day, as Gardener's window duration reads it (its API never lets such a window
 * through validation, which asks for 30 minutes to 6 hours).
 */
export function isInMaintenanceWindow(window: MaintenanceWindow, now: Date): boolean {
  const { beginSeconds: begin, endSeconds: end } = window;
  if (begin === end) return true;
  const t = secondsOfDay(now);
  return begin < end ? t >= begin && t <= end : t >= begin || t <= end;
}

/** When the window next opens: `now` itself when it is open, else the coming begin (UTC). */
export function nextMaintenanceWindowStart(window: MaintenanceWindow, now: Date): Date {
  if (isInMaintenanceWindow(window, now)) return now;
  const wholeSeconds = Math.floor(now.getTime() / 1000) * 1000;
  let waitSeconds = window.beginSeconds - secondsOfDay(now);
  if (waitSeconds <= 0) waitSeconds += daySeconds;
  return new Date(wholeSeconds + waitSeconds * 1000);
}

function clockText(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** `22:00–23:00 UTC`, for status messages. */
export function describeMaintenanceWindow(window: MaintenanceWindow): string {
  return `${clockText(window.beginSeconds)}–${clockText(window.endSeconds)} UTC`;
}

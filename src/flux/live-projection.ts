/**
 * The live object cut down to the shape of the desired one: only the fields the desired object
 * sets, at any depth (list elements position by position). Server defaults, status and fields
 * other managers added fall away, so two projections of one object differ exactly when a field
 * we set was changed. Values are kept as the server wrote them: comparing a projection with an
 * earlier projection, never with the desired object, needs no knowledge of the server's
 * normalisation (quantities such as `1000m` read back as `1`).
 */
export function projectLiveOnto(desired: unknown, live: unknown): unknown {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return live;
    // Elements beyond the desired ones stay visible by count: an added element is a change.
    return live.map((element, i) => (i < desired.length ? projectLiveOnto(desired[i], element) : null));
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(live)) return live;
    const projection: Record<string, unknown> = {};
    for (const key of Object.keys(desired)) {
      // An absent field stays absent: `null` marks it, so deleting a field is a change too.
      projection[key] = key in live ? projectLiveOnto(desired[key], live[key]) : null;
    }
    return projection;
  }
  return live;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

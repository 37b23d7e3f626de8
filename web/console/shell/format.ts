import dayjs from 'dayjs';

/** A timestamp in the viewer's local time, to the minute; '—' when absent. */
export const dateTime = (iso: string | null | undefined) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '—');
/** True when a lock/expiry time is still ahead. */
export const isFuture = (iso: string | null | undefined) => !!iso && dayjs(iso).isAfter(dayjs());

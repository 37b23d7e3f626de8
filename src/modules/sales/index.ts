export { onPurchaseRecorded, notifyPurchaseRecorded, type PurchaseListener, type RecordedPurchase, type RecordedPurchaseLine } from './events.ts';

export { onPurchasesRecorded, notifyPurchasesRecorded, type PurchaseListener, type RecordedPurchase, type RecordedPurchaseLine } from './events.ts';

export { onPurchasesRecorded, notifyPurchasesRecorded, readAheadForNewSales, type PurchaseListener, type ReadAhead, type ReadAheads, type RecordedPurchase, type RecordedPurchaseLine } from './events.ts';
export { bookPurchases, validatePurchase, type BookResult, type BookOptions, type PurchaseAnswer } from './purchases.ts';
export { purchaseInput, CHANNELS, MAX_BATCH, MAX_LINES, type PurchaseInput, type PurchaseLineInput } from './basket.ts';
export { recordReturn, returnWindowDays, type ReturnInput, type OriginalRef } from './returns.ts';
export { customerPurchases, customerSalesFigures, getPurchase, listPurchases } from './queries.ts';
export { listProducts, getProduct, listCategories, upsertProducts, type Product, type ProductInput } from './products.ts';
export { salesVsTarget, setTargets, listTargets } from './targets.ts';
export { salesRoutes } from './routes.ts';

import type { ReactNode } from 'react';
import { ApiOutlined, AuditOutlined, GiftOutlined, ClusterOutlined, FundOutlined, HomeOutlined, IdcardOutlined, SettingOutlined, UploadOutlined, ShopOutlined, ShoppingOutlined, TeamOutlined } from '@ant-design/icons';
import { HomePage } from './home/HomePage.tsx';
import { ImportPage } from './customers/import/ImportPage.tsx';
import { PasswordPage } from './account/PasswordPage.tsx';
import { StaffPage } from './admin/StaffPage.tsx';
import { StoresPage } from './admin/StoresPage.tsx';
import { ApiKeysPage } from './admin/ApiKeysPage.tsx';
import { AuditPage } from './admin/AuditPage.tsx';
import { ProductsPage } from './sales/ProductsPage.tsx';
import { PurchasesPage } from './sales/PurchasesPage.tsx';
import { TargetsPage } from './sales/TargetsPage.tsx';
import { SalesSettingsPage } from './sales/SettingsPage.tsx';
import { CustomersPage } from './customers/CustomersPage.tsx';
import { AttributesPage } from './customers/AttributesPage.tsx';
import { CustomerDetailPage } from './customers/detail/CustomerDetailPage.tsx';
import { SegmentsPage, SegmentEditorPage } from './segments/SegmentsPage.tsx';
import { AnalyticsPage } from './analytics/AnalyticsPage.tsx';
import './customers/privacy/messages.ts';
import { DuplicatesPage } from './customers/privacy/DuplicatesPage.tsx';
import { ExportPage } from './customers/privacy/ExportPage.tsx';
import { ProgrammePage } from './loyalty/ProgrammePage.tsx';
import { MemberPointsPage } from './loyalty/MemberPointsPage.tsx';
import { LoyaltyReportsPage } from './loyalty/ReportsPage.tsx';
import { CouponTemplatesPage } from './loyalty/rewards/CouponTemplatesPage.tsx';
import { CataloguePage } from './loyalty/rewards/CataloguePage.tsx';
import { PerksPage } from './loyalty/rewards/PerksPage.tsx';

export interface NavPage {
  /** Path under the console, e.g. '/customers'. */
  path: string;
  /** i18n key of the menu label. */
  label: string;
  icon?: ReactNode;
  element: ReactNode;
  /** Shown only to staff holding this permission. */
  permission?: string;
  /** Routes that have no menu entry (detail pages). */
  hidden?: boolean;
  /** Menu group i18n key; pages with the same group sit under one sub-menu. */
  group?: string;
  /** The group's icon (the first page of a group that sets it wins). */
  groupIcon?: ReactNode;
}

/** Every console page; a module adds its pages here. */
export const NAV: NavPage[] = [
  { path: '/', label: 'nav.home', icon: <HomeOutlined />, element: <HomePage /> },
  { path: '/customers', label: 'nav.customers', icon: <TeamOutlined />, element: <CustomersPage />, permission: 'customers.read', group: 'nav.customersGroup', groupIcon: <IdcardOutlined /> },
  { path: '/customers/duplicates', label: 'nav.duplicates', group: 'nav.customersGroup', groupIcon: <IdcardOutlined />, element: <DuplicatesPage />, permission: 'customers.read' },
  { path: '/customers/export', label: 'nav.customerExport', group: 'nav.customersGroup', groupIcon: <IdcardOutlined />, element: <ExportPage />, permission: 'customers.export' },
  { path: '/customers/attributes', label: 'nav.customerAttributes', icon: <TeamOutlined />, element: <AttributesPage />, permission: 'customers.configure', group: 'nav.customersGroup', groupIcon: <IdcardOutlined /> },
  { path: '/customers/import', label: 'nav.customersImport', icon: <UploadOutlined />, element: <ImportPage />, permission: 'customers.import', group: 'nav.customersGroup', groupIcon: <IdcardOutlined /> },
  { path: '/customers/:id', label: 'nav.customers', element: <CustomerDetailPage />, permission: 'customers.read', hidden: true },
  { path: '/sales/purchases', label: 'nav.purchases', group: 'nav.sales', groupIcon: <ShoppingOutlined />, element: <PurchasesPage />, permission: 'sales.read' },
  { path: '/sales/products', label: 'nav.products', group: 'nav.sales', groupIcon: <ShoppingOutlined />, element: <ProductsPage />, permission: 'sales.read' },
  { path: '/sales/targets', label: 'nav.salesTargets', group: 'nav.sales', groupIcon: <ShoppingOutlined />, element: <TargetsPage />, permission: 'sales.read' },
  { path: '/sales/settings', label: 'nav.salesSettings', group: 'nav.sales', groupIcon: <ShoppingOutlined />, element: <SalesSettingsPage />, permission: 'catalog.manage' },
  { path: '/segments', label: 'nav.segments', icon: <ClusterOutlined />, element: <SegmentsPage />, permission: 'segments.read' },
  { path: '/segments/:id', label: 'nav.segments', element: <SegmentEditorPage />, permission: 'segments.read', hidden: true },
  { path: '/analytics', label: 'nav.analytics', icon: <FundOutlined />, element: <AnalyticsPage />, permission: 'analytics.read' },
  { path: '/loyalty/programme', label: 'nav.loyalty.programme', icon: <GiftOutlined />, element: <ProgrammePage />, permission: 'loyalty.read', group: 'nav.loyalty' },
  { path: '/loyalty/member', label: 'nav.loyalty.member', icon: <GiftOutlined />, element: <MemberPointsPage />, permission: 'loyalty.read', group: 'nav.loyalty' },
  { path: '/loyalty/reports', label: 'nav.loyalty.reports', icon: <GiftOutlined />, element: <LoyaltyReportsPage />, permission: 'loyalty.read', group: 'nav.loyalty' },
  { path: '/loyalty/coupons', label: 'nav.loyalty.coupons', icon: <GiftOutlined />, element: <CouponTemplatesPage />, permission: 'loyalty.read', group: 'nav.loyalty' },
  { path: '/loyalty/catalogue', label: 'nav.loyalty.catalogue', icon: <GiftOutlined />, element: <CataloguePage />, permission: 'loyalty.read', group: 'nav.loyalty' },
  { path: '/loyalty/perks', label: 'nav.loyalty.perks', icon: <GiftOutlined />, element: <PerksPage />, permission: 'loyalty.read', group: 'nav.loyalty' },
  { path: '/account/password', label: 'shell.changePassword', element: <PasswordPage />, hidden: true },
  { path: '/admin/staff', label: 'admin.staff.title', icon: <TeamOutlined />, element: <StaffPage />, permission: 'staff.manage', group: 'nav.admin', groupIcon: <SettingOutlined /> },
  { path: '/admin/stores', label: 'admin.stores.title', icon: <ShopOutlined />, element: <StoresPage />, group: 'nav.admin', groupIcon: <SettingOutlined /> },
  { path: '/admin/api-keys', label: 'admin.apikeys.title', icon: <ApiOutlined />, element: <ApiKeysPage />, permission: 'apikeys.manage', group: 'nav.admin', groupIcon: <SettingOutlined /> },
  { path: '/admin/audit', label: 'admin.audit.title', icon: <AuditOutlined />, element: <AuditPage />, permission: 'audit.read', group: 'nav.admin', groupIcon: <SettingOutlined /> },
];

import type { ReactNode } from 'react';
import { ApiOutlined, AuditOutlined, HomeOutlined, SettingOutlined, ShopOutlined, TeamOutlined } from '@ant-design/icons';
import { HomePage } from './home/HomePage.tsx';
import { PasswordPage } from './account/PasswordPage.tsx';
import { StaffPage } from './admin/StaffPage.tsx';
import { StoresPage } from './admin/StoresPage.tsx';
import { ApiKeysPage } from './admin/ApiKeysPage.tsx';
import { AuditPage } from './admin/AuditPage.tsx';

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
  { path: '/account/password', label: 'shell.changePassword', element: <PasswordPage />, hidden: true },
  { path: '/admin/staff', label: 'admin.staff.title', icon: <TeamOutlined />, element: <StaffPage />, permission: 'staff.manage', group: 'nav.admin', groupIcon: <SettingOutlined /> },
  { path: '/admin/stores', label: 'admin.stores.title', icon: <ShopOutlined />, element: <StoresPage />, group: 'nav.admin', groupIcon: <SettingOutlined /> },
  { path: '/admin/api-keys', label: 'admin.apikeys.title', icon: <ApiOutlined />, element: <ApiKeysPage />, permission: 'apikeys.manage', group: 'nav.admin', groupIcon: <SettingOutlined /> },
  { path: '/admin/audit', label: 'admin.audit.title', icon: <AuditOutlined />, element: <AuditPage />, permission: 'audit.read', group: 'nav.admin', groupIcon: <SettingOutlined /> },
];

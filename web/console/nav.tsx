import type { ReactNode } from 'react';
import { HomeOutlined, TeamOutlined } from '@ant-design/icons';
import { HomePage } from './home/HomePage.tsx';
import './customers/privacy/messages.ts';
import { DuplicatesPage } from './customers/privacy/DuplicatesPage.tsx';
import { ExportPage } from './customers/privacy/ExportPage.tsx';

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
}

/** Every console page; a module adds its pages here. */
export const NAV: NavPage[] = [
  { path: '/', label: 'nav.home', icon: <HomeOutlined />, element: <HomePage /> },
  { path: '/customers/duplicates', label: 'nav.duplicates', icon: <TeamOutlined />, element: <DuplicatesPage />, permission: 'customers.read', group: 'nav.customerData' },
  { path: '/customers/export', label: 'nav.customerExport', icon: <TeamOutlined />, element: <ExportPage />, permission: 'customers.export', group: 'nav.customerData' },
];

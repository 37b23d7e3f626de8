import type { ReactNode } from 'react';
import { HomeOutlined } from '@ant-design/icons';
import { HomePage } from './home/HomePage.tsx';
import { UploadOutlined } from '@ant-design/icons';
import { ImportPage } from './customers/import/ImportPage.tsx';

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
  { path: '/customers/import', label: 'nav.customersImport', icon: <UploadOutlined />, element: <ImportPage />, permission: 'customers.import', group: 'nav.customers' },
];

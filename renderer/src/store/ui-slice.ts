import { patch, type SliceCreator } from './types.js';

export type MainView = 'packets' | 'flows';
export type Dialog = 'contexts' | 'save' | 'goto' | 'shortcuts';

export interface UiSlice {
  ui: {
    view: MainView;
    /** The one modal dialog open, if any (native <dialog>: focus stays inside, Escape closes). */
    dialog: Dialog | null;
    setView(view: MainView): void;
    openDialog(dialog: Dialog): void;
    closeDialog(): void;
  };
}

export const createUiSlice: SliceCreator<UiSlice> = (set) => ({
  ui: {
    view: 'packets',
    dialog: null,
    setView: (view) => patch(set, 'ui', { view }),
    openDialog: (dialog) => patch(set, 'ui', { dialog }),
    closeDialog: () => patch(set, 'ui', { dialog: null }),
  },
});

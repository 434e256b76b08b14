import { definePlugin } from '@pagurus/core';

export default definePlugin({
  name: 'ci-travis',
  apply() {},
});

import { profileOpCommand } from './profileOp.js';

export default profileOpCommand('delete');

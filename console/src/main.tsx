import { render } from 'preact'
import { App } from './app'
import './style.css'
import { takeTokenFromUrl } from './token'

takeTokenFromUrl()
const root = document.getElementById('app')
if (root) render(<App />, root)

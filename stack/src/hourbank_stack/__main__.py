from hourbank_stack.cli import main

main()

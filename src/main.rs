fn main() {
    println!("tapdemon: under construction");
}
